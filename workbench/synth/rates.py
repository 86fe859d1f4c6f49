"""The synthetic council's rates, read from `rates.yaml` (the one place they live).

Every item of every section carries a `source` note; shares sum to 1. `load_rates` checks both,
so a rate cannot be added without saying where it comes from.

Example
-------
>>> rates = load_rates()
>>> rates["funded_places"]["two_year_old_take_up"]["probability"]
0.75
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from workbench.errors import RuleFileError

__all__ = ["RATES_FILE", "choose", "load_rates", "share_table"]

RATES_FILE = Path(__file__).with_name("rates.yaml")
_TOLERANCE = 1e-9


def _check_shares(path: Path, where: str, node: object) -> None:
    """Every `share:` mapping below `node` sums to 1."""
    if not isinstance(node, Mapping):
        return
    for key, value in node.items():
        here = f"{where}.{key}"
        if key == "share" and isinstance(value, Mapping):
            total = sum(float(v) for v in value.values() if not isinstance(v, Mapping))
            if abs(total - 1.0) > _TOLERANCE:
                raise RuleFileError(path, f"shares at {here} sum to {total:.6g}, expected 1")
        _check_shares(path, here, value)


def load_rates(path: str | Path | None = None) -> dict[str, Any]:
    """Read and check a rates file (default: the packaged `rates.yaml`).

    Raises
    ------
    RuleFileError
        An item has no `source` note, or a `share:` mapping does not sum to 1.
    """
    path = Path(path) if path is not None else RATES_FILE
    rates = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(rates, dict):
        raise RuleFileError(path, "expected a mapping of sections at the top level")
    for section, items in rates.items():
        if not isinstance(items, dict):
            raise RuleFileError(path, f"section {section} must be a mapping of items")
        for name, item in items.items():
            if not isinstance(item, dict) or not str(item.get("source", "")).strip():
                raise RuleFileError(
                    path, f"{section}.{name} has no source note: add `source:` (or assumption)"
                )
    _check_shares(path, "", rates)
    return rates


def share_table(shares: Mapping[Any, float]) -> tuple[list[Any], np.ndarray]:
    """The keys of a `share:` mapping and their probabilities, in file order."""
    keys = list(shares)
    probabilities = np.array([float(shares[k]) for k in keys])
    return keys, probabilities / probabilities.sum()


def choose(rng: np.random.Generator, shares: Mapping[Any, float], size: int) -> np.ndarray:
    """`size` keys drawn from a `share:` mapping, as a numpy array of the keys."""
    keys, probabilities = share_table(shares)
    return np.asarray(keys)[rng.choice(len(keys), size=size, p=probabilities)]
