"""Cost centres as columns (科室成本核算单元): the input of the step-down allocation.

One row per department in one *unit*, a unit being one institution in one month (the national
standard accounts monthly, institution by institution). Rows are grouped by unit; inside a unit
their order is the tie-break order of every split (the earlier department gets the spare fen).
Money is int64 fen; driver values are int64 too (floor area in 0.01 m²), so every split is
exact integer arithmetic (`apportion`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from yigong.operations.errors import OperationsInputError
from yigong.operations.policy import CATEGORY_ORDER
from yigong.rulepacks import Issue, Level
from yigong.schema.codes_operations import COST_DRIVER
from yigong.schema.operations_tables import COST_ELEMENT_COLUMNS

__all__ = ["DRIVERS", "ELEMENTS", "SETTINGS", "CostCentres", "CentreRow"]

#: cost elements (the seven cost items of the national standard), in the columns' order.
ELEMENTS: tuple[str, ...] = tuple(c.removeprefix("cost_") for c in COST_ELEMENT_COLUMNS)
#: allocation drivers, in the columns' order (`schema.codes_operations.COST_DRIVER`).
DRIVERS: tuple[str, ...] = tuple(COST_DRIVER)
#: driver values are whole numbers; floor area is held in 0.01 m² to stay exact.
AREA_SCALE = 100
#: where a clinical cost centre serves patients (`schema.codes_operations.DEPARTMENT_SETTING`).
SETTINGS: tuple[str, ...] = ("none", "outpatient", "inpatient")


@dataclass(frozen=True)
class CentreRow:
    """One department in one unit, as a record (tests, the worked example, small inputs)."""

    unit: str
    department_id: str
    name: str
    category: str
    costs: Mapping[str, Decimal | int | str]  # element -> yuan (missing = 0)
    drivers: Mapping[str, Decimal | int | str]  # driver -> value (area in m², revenue in yuan)
    driver: str | None = None  # the department's own allocation driver
    setting: str = "none"  # outpatient / inpatient for clinical cost centres


def _fen(value: Decimal | int | str) -> int:
    amount = Decimal(str(value))
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{value} is not a whole number of fen")
    return int(fen)


def _driver_value(name: str, value: Decimal | int | str) -> int:
    raw = Decimal(str(value))
    scale = AREA_SCALE if name == "area" else 100 if name == "revenue" else 1
    scaled = raw * scale
    if scaled != scaled.to_integral_value() or scaled < 0:
        raise ValueError(f"driver {name}: {value} must be ≥ 0 with at most "
                         f"{len(str(scale)) - 1} decimals")  # fmt: skip
    return int(scaled)


@dataclass(frozen=True)
class CostCentres:
    """Department-months as columns, grouped by unit."""

    units: tuple[str, ...]  # unit labels (e.g. ``H13042300001 2024-03``)
    unit: np.ndarray  # int64 index into ``units``, non-decreasing
    department_id: tuple[str, ...]
    name: tuple[str, ...]
    category: np.ndarray  # int8 index into CATEGORY_ORDER
    own_driver: np.ndarray  # int8 index into DRIVERS, -1: the tier's driver
    costs: np.ndarray  # (n, len(ELEMENTS)) int64 fen
    drivers: np.ndarray  # (n, len(DRIVERS)) int64
    setting: np.ndarray | None = None  # int8 index into SETTINGS (None: all "none")

    def __len__(self) -> int:
        return len(self.unit)

    def __post_init__(self) -> None:
        n = len(self.unit)
        shapes = {
            "department_id": len(self.department_id),
            "name": len(self.name),
            "category": len(self.category),
            "own_driver": len(self.own_driver),
            "costs": self.costs.shape[0],
            "drivers": self.drivers.shape[0],
        }
        bad = [k for k, v in shapes.items() if v != n]
        if bad or (n and (np.diff(self.unit) < 0).any()):
            raise OperationsInputError([Issue(Level.ERROR, "centres.shape",
                f"cost centre columns disagree ({', '.join(bad) or 'units not grouped'})")])  # fmt: skip
        if (self.costs < 0).any():
            row = int(np.argwhere(self.costs < 0)[0][0])
            raise OperationsInputError([Issue(Level.ERROR, "centres.negative",
                f"department {self.department_id[row]} has a negative direct cost")])  # fmt: skip

    @classmethod
    def from_rows(cls, rows: Sequence[CentreRow]) -> CostCentres:
        """Columns from records; units in order of first appearance, rows kept in order."""
        units: dict[str, int] = {}
        for r in rows:
            units.setdefault(r.unit, len(units))
        order = sorted(range(len(rows)), key=lambda i: (units[rows[i].unit], i))
        rs = [rows[i] for i in order]
        cats = [r.category for r in rs]
        unknown = [c for c in cats if c not in CATEGORY_ORDER]
        if unknown:
            raise OperationsInputError([Issue(Level.ERROR, "centres.category",
                                              f"unknown department class {unknown[0]!r}")])  # fmt: skip
        return cls(
            tuple(units),
            np.array([units[r.unit] for r in rs], dtype=np.int64),
            tuple(r.department_id for r in rs),
            tuple(r.name for r in rs),
            np.array([CATEGORY_ORDER.index(c) for c in cats], dtype=np.int8),  # type: ignore[arg-type]
            np.array([DRIVERS.index(r.driver) if r.driver else -1 for r in rs], dtype=np.int8),
            np.array([[_fen(r.costs.get(e, 0)) for e in ELEMENTS] for r in rs], dtype=np.int64)
            .reshape(len(rs), len(ELEMENTS)),
            np.array([[_driver_value(d, r.drivers.get(d, 0)) for d in DRIVERS] for r in rs],
                     dtype=np.int64).reshape(len(rs), len(DRIVERS)),
            np.array([SETTINGS.index(r.setting) for r in rs], dtype=np.int8),
        )  # fmt: skip

    @property
    def settings(self) -> np.ndarray:
        """Setting per row (int8 index into SETTINGS)."""
        return self.setting if self.setting is not None else np.zeros(len(self), np.int8)

    def ward_index(self) -> dict[tuple[str, str], int]:
        """(unit label, department name) → row of every inpatient cost centre: how a discharge
        (its institution-month and 出院科别) finds the ward whose cost it carries."""
        wards = np.flatnonzero(self.settings == SETTINGS.index("inpatient"))
        return {(self.units[self.unit[r]], self.name[r]): int(r) for r in wards}

    def unit_rows(self, unit: int) -> np.ndarray:
        """Row indices of one unit."""
        lo = int(np.searchsorted(self.unit, unit, side="left"))
        hi = int(np.searchsorted(self.unit, unit, side="right"))
        return np.arange(lo, hi)
