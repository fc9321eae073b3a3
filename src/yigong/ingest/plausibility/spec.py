"""The plausibility rules of ingest as a model (kind ``plausibility-rules``).

Cell rules (`schema/tables.py`: type, minimum, maximum …) judge one value; these judge whether a
row can be true at all, across its fields, with parameters a county may change in a copy of the
pack:

* ``dates``: every date lies in a window — not before ``earliest``; a date of something that
  has happened (an admission, a settlement, a birth) not after the ingest's reference date plus
  ``future_days``; a ``planned`` date (a validity, contract or period end) not after the end of
  the year ``planned_years`` ahead. Rule ``date_window``.
* ``stays``: a length of stay is at most ``maximum_days`` (rule ``los_bound``) and agrees with
  its admission and discharge dates within ``tolerance_days`` (rule ``los_dates``).
* ``parts``: no part exceeds its total (rule ``part_total``), and the parts listed in ``sum_of``
  together do not either (rule ``parts_sum``).

Every rule names its source document and clause. `rules.plausibility_queries` compiles them
to set-based SQL beside the table's declared rules.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DateWindow", "PartsRule", "PlausibilityRules", "StayRule"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DateWindow(_Strict):
    """The window every date column of every canonical table must lie in."""

    earliest: date
    future_days: int = Field(ge=0, le=31)
    planned_years: int = Field(ge=0, le=200)
    planned: dict[str, list[str]] = Field(default_factory=dict)  # table -> planned date columns
    source: str = Field(min_length=1)
    clause: str = Field(min_length=1)


class StayRule(_Strict):
    """Length of stay: an upper bound, and agreement with the admission and discharge dates."""

    table: str
    length_of_stay: str
    admission: str
    discharge: str
    maximum_days: int = Field(gt=0)
    bound_clause: str = Field(min_length=1)
    tolerance_days: int = Field(ge=0, le=7)
    source: str = Field(min_length=1)
    clause: str = Field(min_length=1)


class PartsRule(_Strict):
    """Amounts that are parts of a total: each at most the total; ``sum_of`` together too."""

    table: str
    total: str
    parts: list[str] = Field(min_length=1)
    sum_of: list[str] = Field(default_factory=list)
    sum_tolerance: Decimal = Field(default=Decimal("0"), ge=0)
    source: str = Field(min_length=1)
    clause: str = Field(min_length=1)


class PlausibilityRules(_Strict):
    """One plausibility pack's rules."""

    id: str
    version: str
    dates: DateWindow
    stays: list[StayRule] = Field(default_factory=list)
    parts: list[PartsRule] = Field(default_factory=list)

    def stays_of(self, table: str) -> list[StayRule]:
        return [s for s in self.stays if s.table == table]

    def parts_of(self, table: str) -> list[PartsRule]:
        return [p for p in self.parts if p.table == table]

    def is_planned(self, table: str, column: str) -> bool:
        return column in self.dates.planned.get(table, [])
