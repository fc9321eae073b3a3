"""The daily charge list (住院费用一日清单) of one inpatient stay.

Every line of the stay, grouped by day with the day's total and the running total, the totals
by front-page category, and the patient-facing total checked against the front page and the
settlement: the list is right when the items add up to both, to the fen ([Q]
`qinhuangdao-medical-and-health-system-reform-guidance.txt`: hospitals at the second level and
above fully implement the "one-day list of hospitalization expenses").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from yigong.schema.codes_drugs import COST_CATEGORY
from yigong.schema.money import Money

__all__ = ["ChargeLine", "DailyList", "DayPage", "SettlementFigures", "StayHeader", "daily_list"]


@dataclass(frozen=True, slots=True)
class ChargeLine:
    charge_id: str
    day: date
    item_code: str
    item_name: str
    category: str  # cost_category code
    kind: str  # charge_kind code
    quantity: Decimal
    unit_price: Money
    amount: Money
    department: str
    in_operating_room: bool


@dataclass(frozen=True, slots=True)
class StayHeader:
    discharge_id: str
    institution_id: str
    institution_name: str
    patient_key: str
    department: str
    admission_date: date
    discharge_date: date
    length_of_stay: int
    front_page_total: Money


@dataclass(frozen=True, slots=True)
class SettlementFigures:
    settlement_id: str
    total_cost: Money
    fund_paid: Money
    personal_paid: Money


@dataclass(frozen=True, slots=True)
class DayPage:
    day: date
    lines: tuple[ChargeLine, ...]
    total: Money
    running_total: Money
    outside_stay: bool  # the day lies before admission or after discharge


@dataclass(frozen=True)
class DailyList:
    header: StayHeader
    days: tuple[DayPage, ...]
    total: Money
    by_category: dict[str, Money]
    settlement: SettlementFigures | None
    matches_front_page: bool
    matches_settlement: bool | None  # None without a settlement (self-pay)
    notes: list[str] = field(default_factory=list)

    @property
    def lines(self) -> int:
        return sum(len(d.lines) for d in self.days)


def daily_list(
    header: StayHeader, lines: Iterable[ChargeLine], settlement: SettlementFigures | None
) -> DailyList:
    """The stay's daily list: days in order, lines by item within a day."""
    by_day: dict[date, list[ChargeLine]] = defaultdict(list)
    for ln in lines:
        by_day[ln.day].append(ln)
    pages = []
    running = Money.zero()
    cats: dict[str, Money] = {c: Money.zero() for c in COST_CATEGORY}
    for day in sorted(by_day):
        rows = tuple(sorted(by_day[day], key=lambda x: (x.category, x.item_code, x.charge_id)))
        total = Money.sum([r.amount for r in rows])
        running = running + total
        for r in rows:
            cats[r.category] = cats[r.category] + r.amount
        outside = day < header.admission_date or day > header.discharge_date
        pages.append(DayPage(day, rows, total, running, outside))
    notes = []
    if any(p.outside_stay for p in pages):
        notes.append("charges dated outside the stay")
    matches_page = running == header.front_page_total
    if not matches_page:
        notes.append(f"items {running} ≠ front page {header.front_page_total}")
    matches_settlement = None
    if settlement is not None:
        matches_settlement = running == settlement.total_cost
        if not matches_settlement:
            notes.append(f"items {running} ≠ settlement {settlement.total_cost}")
    return DailyList(
        header,
        tuple(pages),
        running,
        {c: v for c, v in cats.items() if not v.is_zero},
        settlement,
        matches_page,
        matches_settlement,
        notes,
    )
