"""Statistical periods (统计期): a year ``2024``, a quarter ``2024Q1`` or a month ``202401``.

A period knows its first and last day, the period before it and the same period one year
earlier (for 增幅, year-on-year growth).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from yigong.indicators.spec import PeriodType
from yigong.schema.periods import canonical_period

__all__ = ["Period", "parse_period"]

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})(0[1-9]|1[0-2])$")


@dataclass(frozen=True, order=True)
class Period:
    """One statistical period; ``index`` is the quarter (1–4) or month (1–12), 0 for a year."""

    year: int
    type: PeriodType
    index: int = 0

    @property
    def code(self) -> str:
        if self.type is PeriodType.YEAR:
            return f"{self.year}"
        if self.type is PeriodType.QUARTER:
            return f"{self.year}Q{self.index}"
        return f"{self.year}{self.index:02d}"

    def __str__(self) -> str:
        return self.code

    @property
    def first_month(self) -> int:
        if self.type is PeriodType.YEAR:
            return 1
        if self.type is PeriodType.QUARTER:
            return 3 * self.index - 2
        return self.index

    @property
    def last_month(self) -> int:
        if self.type is PeriodType.YEAR:
            return 12
        if self.type is PeriodType.QUARTER:
            return 3 * self.index
        return self.index

    @property
    def start(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        """The last day of the period (inclusive)."""
        last = self.last_month
        return date(self.year, last, calendar.monthrange(self.year, last)[1])

    def previous(self) -> Period:
        """The period just before: 2024 → 2023, 2024Q1 → 2023Q4, 202401 → 202312."""
        if self.type is PeriodType.YEAR:
            return Period(self.year - 1, self.type)
        count = 4 if self.type is PeriodType.QUARTER else 12
        if self.index == 1:
            return Period(self.year - 1, self.type, count)
        return Period(self.year, self.type, self.index - 1)

    def year_earlier(self) -> Period:
        """The same period one year earlier: 2024Q1 → 2023Q1."""
        return Period(self.year - 1, self.type, self.index)

    def with_year(self, year: int) -> Period:
        return Period(year, self.type, self.index)


def parse_period(text: str) -> Period:
    """Parse ``2024``, ``2024Q1`` or ``202401`` (or an alias: ``2024-01``, ``2024M01``,
    ``2024q1``, see `yigong.schema.periods`); raises ``ValueError`` naming the forms."""
    text = canonical_period(text)
    if m := _YEAR.match(text):
        return Period(int(m[1]), PeriodType.YEAR)
    if m := _QUARTER.match(text):
        return Period(int(m[1]), PeriodType.QUARTER, int(m[2]))
    if m := _MONTH.match(text):
        return Period(int(m[1]), PeriodType.MONTH, int(m[2]))
    raise ValueError(f"period {text!r} is not a year (2024), quarter (2024Q1) or month (202401)")
