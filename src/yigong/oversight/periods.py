"""Screening periods: a year (``2024``), a quarter (``2024Q3``) or a month (``2024-07``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["Period", "parse_period"]


@dataclass(frozen=True)
class Period:
    """A closed date range with the label users type."""

    label: str
    start: date
    end: date

    @property
    def year(self) -> int:
        return self.start.year

    def previous_year(self) -> Period:
        """The same span one year earlier (a rule's 'own history')."""
        return Period(
            f"{self.label}-1y",
            self.start.replace(year=self.start.year - 1),
            _same_day_last_year(self.end),
        )


def _same_day_last_year(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def parse_period(text: str | int) -> Period:
    """``2024`` | ``2024Q1`` | ``2024-03``; anything else is refused with the accepted forms."""
    s = str(text).strip()
    if (m := re.match(r"(\d{4})", s)) and not 1900 <= int(m.group(1)) <= 2100:
        raise ValueError(f"period {s!r}: the year must lie between 1900 and 2100")
    if m := re.fullmatch(r"(\d{4})", s):
        y = int(m.group(1))
        return Period(s, date(y, 1, 1), date(y, 12, 31))
    if m := re.fullmatch(r"(\d{4})[Qq]([1-4])", s):
        y, q = int(m.group(1)), int(m.group(2))
        return Period(f"{y}Q{q}", date(y, 3 * q - 2, 1), _month_end(y, 3 * q))
    if m := re.fullmatch(r"(\d{4})-(\d{2})", s):
        y, mo = int(m.group(1)), int(m.group(2))
        if 1 <= mo <= 12:
            return Period(s, date(y, mo, 1), _month_end(y, mo))
    raise ValueError(
        f"period {s!r}: expected a year (2024), a quarter (2024Q3) or a month (2024-07)"
    )
