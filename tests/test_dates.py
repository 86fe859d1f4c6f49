"""Dates written for people, alike everywhere and on every platform."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from workbench.dates import long_date

PACKAGE = Path(__file__).resolve().parents[1] / "workbench"
# strftime's flags that glibc knows and Windows' C library refuses: %-d, %-m, %#d, ...
_PLATFORM_FLAG = re.compile(r"%[-#][A-Za-z]")


def test_a_day_is_written_without_a_leading_zero():
    assert long_date(date(2027, 1, 4)) == "4 January 2027"
    assert long_date(date(2026, 12, 31)) == "31 December 2026"


def test_no_date_format_in_the_package_depends_on_the_platform():
    found = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _PLATFORM_FLAG.search(line)
    ]
    assert found == []
