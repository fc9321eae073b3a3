"""Cost per service unit (单位服务成本): what a bed-day, a visit, a discharge, an examination
costs, from the full department costs of the step-down allocation.

The national standard's service-unit costs: a ward's full cost per occupied bed-day (床日成本)
and per discharge, a clinic's per visit (诊次成本), a medical-technology department's cost per
examination taken before it is allocated on (its direct cost plus what the administration and
support tiers gave it). Each figure keeps its numerator (fen) and denominator (volume), and is
computed per department over the months asked for (one month, or all months of a year).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from yigong.operations.centres import DRIVERS
from yigong.operations.columns import money, per_unit
from yigong.operations.policy import CATEGORY_ORDER, Category
from yigong.operations.stepdown import Allocation
from yigong.schema.money import Money

__all__ = ["SERVICES", "UnitCost", "unit_costs"]

#: service unit → (the driver column holding its volume, which cost it is measured on)
SERVICES: dict[str, tuple[str, str]] = {
    "bed_day": ("bed_days", "full"),
    "discharge": ("discharges", "full"),
    "visit": ("outpatient_visits", "full"),
    "exam": ("exams", "before_own_tier"),
}


@dataclass(frozen=True)
class UnitCost:
    """One department's cost of one service unit over the rows grouped (e.g. a year)."""

    department_id: str
    name: str
    period: str
    service: str
    cost: Money  # the numerator
    volume: int  # the denominator
    per_unit: Money | None

    @property
    def explanation(self) -> str:
        return f"{self.cost} yuan / {self.volume:,} {self.service}s"


def unit_costs(allocation: Allocation, period_of_unit: dict[str, str]) -> list[UnitCost]:
    """Per department and period (``period_of_unit`` maps each unit label to its period, e.g.
    ``H… 2024-03`` → ``2024``): every service unit the department has volume for."""
    c = allocation.centres
    tech = CATEGORY_ORDER.index(Category.MEDICAL_TECHNOLOGY)
    clinical = CATEGORY_ORDER.index(Category.CLINICAL)
    full = allocation.full.sum(axis=1)
    before = allocation.before_own_tier.sum(axis=1)
    groups: dict[tuple[str, str, str], list[int]] = {}
    for row in range(len(c)):
        period = period_of_unit[c.units[c.unit[row]]]
        groups.setdefault((c.department_id[row], period, c.name[row]), []).append(row)
    out = []
    for (dept, period, name), rows in groups.items():
        idx = np.array(rows)
        cat = int(c.category[idx[0]])
        for service, (driver, basis) in SERVICES.items():
            if (basis == "full") != (cat == clinical) or (basis != "full" and cat != tech):
                continue
            volume = int(c.drivers[idx, DRIVERS.index(driver)].sum())
            if volume <= 0:
                continue
            cost = int((full if basis == "full" else before)[idx].sum())
            out.append(UnitCost(dept, name, period, service, money(cost), volume,
                                per_unit(cost, volume)))  # fmt: skip
    return out
