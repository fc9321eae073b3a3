"""The operations engine's inputs, read from the warehouse (the only place that knows tables).

- `cost_centres`: the department-months of a node's institutions in a year, with the
  department row valid on the first day of each month (class, setting, own driver, area,
  staff, beds) and the month's costs, revenue and workload → `CostCentres` (units are
  institution-months, rows ordered by institution, month, department id);
- `stays`: the discharges of the year at those institutions, each with its ward's row (by
  institution, discharge month and 出院科别), bed-days and front-page charges in fen;
- `budget`, `pay_people`: budget lines/adjustments/actuals and staff pay years as records.

Every reader takes a `Tables` (anything with ``table(name)``: a `Warehouse`, a Spark
warehouse), so the services open tables one way.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from yigong.operations.budget import Adjustment, BudgetLine
from yigong.operations.case_cost import StayColumns
from yigong.operations.centres import AREA_SCALE, DRIVERS, ELEMENTS, SETTINGS, CostCentres
from yigong.operations.policy import CATEGORY_ORDER
from yigong.schema.money import Money
from yigong.schema.operations_tables import COST_ELEMENT_COLUMNS
from yigong.schema.tables import DISCHARGE_COST_COLUMNS
from yigong.warehouse import Tables
from yigong.warehouse.hierarchy import institution_set, parse_node

__all__ = [
    "budget_records",
    "department_names",
    "cost_centres",
    "fen",
    "node_institutions",
    "stays",
    "unit_label",
]

_HUNDRED = pa.scalar(Decimal(100), pa.decimal128(18, 0))


def fen(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A decimal yuan column as int64 fen (nulls as 0), exact."""
    filled = pc.fill_null(column, pa.scalar(Decimal(0), column.type))
    return np.asarray(pc.cast(pc.multiply(filled, _HUNDRED), pa.int64()), dtype=np.int64)


def unit_label(institution_id: str, year: int, month: int) -> str:
    """The label of an accounting unit: one institution in one month."""
    return f"{institution_id} {year}-{month:02d}"


def node_institutions(tables: Tables, node: str, year: int) -> ibis.Table:
    """The institutions of a node (``institution:…``, ``community:…``, ``division:…``) at the
    end of ``year``."""
    return institution_set(tables, parse_node(node), date(year, 12, 31))


def cost_centres(tables: Tables, node: str, year: int) -> CostCentres:
    """The department-months of the node's institutions in ``year`` (see the module doc)."""
    insts = node_institutions(tables, node, year)
    dc = tables.table("department_costs")
    dc = dc.filter(dc.year == year).semi_join(insts, "institution_id")
    dc = dc.mutate(month_start=ibis.date(dc.year, dc.month, 1))
    dep = tables.table("departments").drop("institution_id")
    j = dc.join(dep, "department_id")
    j = j.filter(
        (j.valid_from <= j.month_start) & (j.valid_to.isnull() | (j.valid_to >= j.month_start))
    )
    cols = ["department_id", "institution_id", "month", "name_zh", "category", "setting",
            "cost_driver", "floor_area_m2", "staff_count", "beds", *COST_ELEMENT_COLUMNS,
            "medical_revenue", "outpatient_visits", "bed_days", "discharges", "exams"]  # fmt: skip
    t = j.select(*cols).order_by(["institution_id", "month", "department_id"]).to_pyarrow()
    n = t.num_rows
    inst = t.column("institution_id").to_pylist()
    month = t.column("month").to_numpy()
    labels = [unit_label(i, year, int(m)) for i, m in zip(inst, month, strict=True)]
    units: dict[str, int] = {}
    unit = np.array([units.setdefault(x, len(units)) for x in labels], dtype=np.int64)
    area = np.round(np.nan_to_num(t.column("floor_area_m2").to_numpy(zero_copy_only=False))
                    * AREA_SCALE).astype(np.int64)  # fmt: skip
    values = {
        "staff": t.column("staff_count"),
        "beds": t.column("beds"),
        "outpatient_visits": t.column("outpatient_visits"),
        "bed_days": t.column("bed_days"),
        "discharges": t.column("discharges"),
        "exams": t.column("exams"),
    }
    drivers = np.zeros((n, len(DRIVERS)), dtype=np.int64)
    for name, col in values.items():
        drivers[:, DRIVERS.index(name)] = np.asarray(pc.fill_null(col, 0), dtype=np.int64)
    drivers[:, DRIVERS.index("area")] = area
    drivers[:, DRIVERS.index("revenue")] = fen(t.column("medical_revenue"))
    costs = np.stack([fen(t.column(c)) for c in COST_ELEMENT_COLUMNS], axis=1) if n else (
        np.zeros((0, len(ELEMENTS)), np.int64))  # fmt: skip
    cats = [c.value for c in CATEGORY_ORDER]
    own = [DRIVERS.index(d) if d else -1 for d in t.column("cost_driver").to_pylist()]
    return CostCentres(
        tuple(units),
        unit,
        tuple(t.column("department_id").to_pylist()),
        tuple(t.column("name_zh").to_pylist()),
        np.array([cats.index(c) for c in t.column("category").to_pylist()], dtype=np.int8),
        np.array(own, dtype=np.int8),
        costs,
        drivers,
        np.array([SETTINGS.index(s) for s in t.column("setting").to_pylist()], dtype=np.int8),
    )


def stays(
    tables: Tables, node: str, year: int, centres: CostCentres
) -> tuple[StayColumns, pa.Table]:
    """The year's discharges at the node's institutions, ordered by discharge id, with their
    wards' rows; and the table of their ids, institutions, departments, doctors and LOS."""
    insts = node_institutions(tables, node, year)
    d = tables.table("discharges")
    d = d.filter(d.discharge_date.year() == year).semi_join(insts, "institution_id")
    d = d.mutate(month=d.discharge_date.month())
    t = (
        d.select(
            "discharge_id",
            "institution_id",
            "department",
            "attending_doctor_key",
            "length_of_stay",
            "month",
            *DISCHARGE_COST_COLUMNS,
            "total_cost",
        )
        .order_by("discharge_id")
        .to_pyarrow()
    )
    index = centres.ward_index()
    ward = np.array(
        [index.get((unit_label(i, year, int(m)), dept), -1) for i, m, dept in zip(
            t.column("institution_id").to_pylist(), t.column("month").to_pylist(),
            t.column("department").to_pylist(), strict=True)],
        dtype=np.int64,
    )  # fmt: skip
    charges = {c: fen(t.column(c)) for c in DISCHARGE_COST_COLUMNS}
    los = np.asarray(pc.fill_null(t.column("length_of_stay"), 0), dtype=np.int64)
    columns = StayColumns(tuple(t.column("discharge_id").to_pylist()), ward, los, charges)
    return columns, t.select(["discharge_id", "institution_id", "department",
                              "attending_doctor_key", "length_of_stay", "total_cost"])  # fmt: skip


def _money(v: Decimal | None) -> Money:
    return Money.of(v if v is not None else Decimal(0))


def budget_records(
    tables: Tables, node: str, year: int
) -> tuple[list[BudgetLine], list[Adjustment], list[tuple[str, int, Money]]]:
    """The node's budget lines of ``year``, their adjustments and monthly actuals."""
    insts = node_institutions(tables, node, year)
    bl = tables.table("budget_lines")
    bl = bl.filter(bl.year == year).semi_join(insts, "institution_id").order_by("line_id")
    lines = [
        BudgetLine(r["line_id"], r["institution_id"], r["department_id"], r["year"],
                   r["account"], _money(r["annual_amount"]),
                   tuple(_money(r[f"plan_m{m:02d}"]) for m in range(1, 13)),
                   r["approved_on"], r["approved_by"])
        for r in bl.to_pyarrow().to_pylist()
    ]  # fmt: skip
    ids = {ln.line_id for ln in lines}
    ba = tables.table("budget_adjustments")
    ba = ba.filter(ba.year == year).semi_join(insts, "institution_id").order_by("adjustment_id")
    adjustments = [
        Adjustment(r["adjustment_id"], r["line_id"], r["effective_month"], _money(r["amount"]),
                   r["status"], r["reason"], r["requested_on"], r["requested_by"],
                   r["decided_on"], r["decided_by"])
        for r in ba.to_pyarrow().to_pylist()
    ]  # fmt: skip
    act = tables.table("budget_actuals")
    act = act.filter(act.year == year).semi_join(insts, "institution_id")
    t = act.select("line_id", "month", "actual_amount").to_pyarrow()
    actuals = [
        (line, int(m), Money.from_fen(int(f)))
        for line, m, f in zip(t.column("line_id").to_pylist(), t.column("month").to_pylist(),
                              fen(t.column("actual_amount")), strict=True)
        if line in ids
    ]  # fmt: skip
    return lines, adjustments, actuals


def department_names(tables: Tables, ids: Iterable[str]) -> dict[str, str]:
    """Department names by department id (the latest row of each)."""
    wanted = sorted(set(ids))
    dep = tables.table("departments")
    rows = dep.filter(dep.department_id.isin(wanted or [""])).order_by("valid_from").select(
        "department_id", "name_zh").to_pyarrow().to_pylist()  # fmt: skip
    return {r["department_id"]: r["name_zh"] for r in rows}


def names(tables: Tables, ids: Iterable[str]) -> dict[str, str]:
    """Institution names by id."""
    wanted = sorted(set(ids))
    inst = tables.table("institutions")
    rows = inst.filter(inst.institution_id.isin(wanted or [""])).select(
        "institution_id", "name_zh").to_pyarrow().to_pylist()  # fmt: skip
    return {r["institution_id"]: r["name_zh"] for r in rows}
