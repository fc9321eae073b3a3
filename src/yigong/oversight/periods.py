"""Screening periods: a year (``2024``), a quarter (``2024Q3``) or a month (``202407``), in the
one period notation of `yigong.schema.periods` (``2024-07`` accepted as an alias)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from yigong.schema.periods import canonical_period, parse_canonical

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
    """A year, quarter or month in the one period notation (``2024``, ``2024Q1``, ``202403``;
    aliases such as ``2024-03`` accepted, see `yigong.schema.periods`); anything else is
    refused with the accepted forms. The label is the canonical form."""
    year, kind, index = parse_canonical(text)
    label = canonical_period(text)
    if kind == "year":
        return Period(label, date(year, 1, 1), date(year, 12, 31))
    if kind == "quarter":
        return Period(label, date(year, 3 * index - 2, 1), _month_end(year, 3 * index))
    return Period(label, date(year, index, 1), _month_end(year, index))
