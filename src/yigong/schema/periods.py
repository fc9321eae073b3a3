"""One period notation for the whole of yigong (DHIS2's period identifiers, which the national
statistical reports also read): a year ``2024``, a quarter ``2024Q3``, a month ``202407``.

Every command, API parameter, stored period column and export writes these forms. People and
older files write others, which are accepted as input aliases and read as the canonical form:

    quarter  2024q3, 2024-Q3, 2024 Q3          → 2024Q3
    month    2024-07, 2024M07, 2024/07         → 202407

Anything else is refused with the accepted forms. The engines keep their own `Period` objects
(indicators: first/last day and the period before; screening: a date range) and build them
from `canonical_period` alone.
"""

from __future__ import annotations

import re
from typing import Literal

__all__ = ["PeriodKind", "canonical_period", "month_code", "parse_canonical"]

PeriodKind = Literal["year", "quarter", "month"]

_FORMS = "a year (2024), a quarter (2024Q3) or a month (202407; 2024-07 also accepted)"
_YEAR = re.compile(r"(\d{4})")
_QUARTER = re.compile(r"(\d{4})\s?-?\s?[Qq]([1-4])")
_MONTH = re.compile(r"(\d{4})[-/Mm]?(0[1-9]|1[0-2])")


def parse_canonical(text: str | int) -> tuple[int, PeriodKind, int]:
    """(year, kind, index) of a period in any accepted form; index is the quarter or month, 0
    for a year. Raises ValueError naming the accepted forms."""
    s = str(text).strip()
    if m := _YEAR.fullmatch(s):
        return _checked(int(m.group(1)), s), "year", 0
    if m := _QUARTER.fullmatch(s):
        return _checked(int(m.group(1)), s), "quarter", int(m.group(2))
    if m := _MONTH.fullmatch(s):
        return _checked(int(m.group(1)), s), "month", int(m.group(2))
    raise ValueError(f"period {s!r}: expected {_FORMS}")


def _checked(year: int, text: str) -> int:
    if not 1900 <= year <= 2100:
        raise ValueError(f"period {text!r}: the year must lie between 1900 and 2100")
    return year


def canonical_period(text: str | int) -> str:
    """The canonical form of a period written in any accepted form."""
    year, kind, index = parse_canonical(text)
    if kind == "year":
        return f"{year}"
    if kind == "quarter":
        return f"{year}Q{index}"
    return month_code(year, index)


def month_code(year: int, month: int) -> str:
    """The canonical month: ``202407``."""
    return f"{year}{month:02d}"
