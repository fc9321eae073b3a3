"""Monthly direct costs, revenue and workload of every department (科室成本月报).

The year's costs of an institution are its expenditure in `finance` (业务活动费用 + 单位管理费用),
split into the seven cost items of the national standard and spread over departments and
months (*assumptions*, documented in docs/synthetic-data.md):

- drugs: what the department's patients were charged for drugs (zero mark-up, so cost =
  charge); consumables likewise, plus reagents and films of the medical-technology
  departments (20 % of their revenue) and sterile-supply materials (0.5 % of the
  institution's revenue);
- personnel: the institution's personnel expenditure, split by the pay of each department's
  staff in the month (`staff_pay`);
- the rest (expenditure − personnel − drugs − consumables, at least 6 % of expenditure): the
  medical risk fund 2 ‰ of medical revenue (the 1–3 ‰ of the hospital finance rules),
  depreciation 45 %, intangible amortisation 3 %, other running costs the remainder;
  depreciation by floor area × equipment intensity, amortisation by staff, the risk fund by
  revenue, other costs half by area and half by revenue.

Workload and revenue: wards their discharges, bed-days and charges; clinics their visits and
charges; medical technology the examinations performed and their charges; the operating
theatre half the treatment charges of surgical stays.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa

from yigong.schema.operations_tables import COST_ELEMENT_COLUMNS
from yigong.synth._arrow import money
from yigong.synth.context import CountyContext
from yigong.synth.operations.activity import split_fen
from yigong.synth.operations.departments import Dept

REAGENT_SHARE, STERILE_SHARE = 0.20, 0.005
RISK_FUND_RATE, REST_FLOOR = 0.002, 0.06
DEPRECIATION_SHARE, AMORTISATION_SHARE = 0.45, 0.03
THEATRE_SHARE = 0.5


def monthly_activity(
    depts: list[Dept],
    ids: np.ndarray,
    wards: pd.DataFrame,
    clinics: pd.DataFrame,
    exams: pd.DataFrame,
    years: tuple[int, ...],
) -> pd.DataFrame:
    """One row per department and month: revenue, drugs, consumables and workload (fen)."""
    grid = pd.DataFrame(
        [(d.department_id, d.institution, ids[d.institution], d.name, d.setting, d.code, y, m)
         for d in depts for y in years for m in range(1, 13)],
        columns=["department_id", "institution", "institution_id", "name", "setting", "code",
                 "year", "month"],
    )  # fmt: skip
    keys = ["institution_id", "name", "year", "month"]
    cols = ["revenue", "drugs", "consumables", "visits", "bed_days", "discharges", "exams"]
    ward = grid[grid.setting == "inpatient"].merge(
        wards[[*keys, "revenue", "drugs", "consumables", "bed_days", "discharges"]],
        on=keys, how="left",
    )  # fmt: skip
    clinic = grid[grid.setting == "outpatient"].merge(
        clinics[[*keys, "revenue", "drugs", "consumables", "visits"]], on=keys, how="left"
    )
    mapped = pd.DataFrame(
        [(d.department_id, t) for d in depts for t in d.exam_types],
        columns=["department_id", "exam_type"],
    )
    tech = grid[grid.setting == "none"].merge(mapped, on="department_id", how="left")
    tech = (
        tech.merge(exams, on=["institution_id", "exam_type", "year", "month"], how="left")
        .groupby([*grid.columns], as_index=False, dropna=False)[["exams", "revenue"]]
        .sum()
    )
    tech["consumables"] = (tech.revenue * REAGENT_SHARE).round()
    surg = wards.groupby(["institution_id", "year", "month"], as_index=False)["treatment"].sum()
    tech = tech.merge(surg, on=["institution_id", "year", "month"], how="left")
    theatre = tech.code == "T05"
    tech.loc[theatre, "revenue"] = (
        tech.loc[theatre, "treatment"].fillna(0) * THEATRE_SHARE
    ).round()
    out = pd.concat([ward, clinic, tech.drop(columns="treatment")], ignore_index=True)
    for c in cols:
        out[c] = out[c].fillna(0).astype(np.int64) if c in out else 0
    return out[["department_id", "institution", "year", "month", *cols]]


def department_costs_table(
    ctx: CountyContext,
    depts: list[Dept],
    act: pd.DataFrame,
    dept_pay: pd.DataFrame,
    finance: pa.Table,
    area: dict[str, float],
    staff_counts: dict[tuple[str, int], int],
) -> pa.Table:
    """The department-months with their seven cost items, revenue and workload."""
    fin = finance.to_pandas().set_index(["institution_id", "year"])
    ids = ctx.institution_ids()
    by_id = {d.department_id: d for d in depts}
    act = act.merge(dept_pay, on=["department_id", "year", "month"], how="left").fillna({"pay": 0})
    out = []
    for (inst, year), grp in act.groupby(["institution", "year"]):
        iid = ids[inst]
        if (iid, year) not in fin.index:
            continue
        f = fin.loc[(iid, year)]
        spent = _fen(f.business_expenditure) + _fen(f.admin_expenditure)
        medical = _fen(f.medical_revenue)
        g = grp.copy()
        sterile = g.department_id.map(lambda x: by_id[x].code == "S01").to_numpy()
        g.loc[sterile, "consumables"] += split_fen(round(medical * STERILE_SHARE),
                                                   np.ones(int(sterile.sum())))  # fmt: skip
        drugs, consumables = int(g.drugs.sum()), int(g.consumables.sum())
        personnel = _fen(f.personnel_expenditure)
        rest = max(spent - personnel - drugs - consumables, round(spent * REST_FLOOR))
        risk = min(round(medical * RISK_FUND_RATE), rest)
        dep = round((rest - risk) * DEPRECIATION_SHARE)
        amort = round((rest - risk) * AMORTISATION_SHARE)
        other = rest - risk - dep - amort
        d_area = g.department_id.map(area).to_numpy(float)
        intensity = g.department_id.map(lambda x: by_id[x].intensity).to_numpy(float)
        staff = np.array([staff_counts.get((x, year), 0) for x in g.department_id], float)
        revenue = g.revenue.to_numpy(float)
        g["cost_personnel"] = split_fen(personnel, g.pay.to_numpy(float))
        g["cost_consumables"] = g.consumables
        g["cost_drugs"] = g.drugs
        g["cost_depreciation"] = split_fen(dep, d_area * intensity)
        g["cost_amortisation"] = split_fen(amort, staff + 0.1)
        g["cost_risk_fund"] = split_fen(risk, revenue)
        g["cost_other"] = split_fen(
            other, 0.5 * d_area / max(d_area.sum(), 1) + 0.5 * revenue / max(revenue.sum(), 1)
        )
        out.append(g)
    frame = pd.concat(out, ignore_index=True) if out else act.iloc[0:0]
    return pa.table(
        {
            "department_id": pa.array(frame.department_id.to_numpy(), pa.string()),
            "institution_id": pa.array(ids[frame.institution.to_numpy(int)], pa.string()),
            "year": pa.array(frame.year.to_numpy(np.int64)),
            "month": pa.array(frame.month.to_numpy(np.int64)),
            **{c: money(frame[c].to_numpy(np.int64)) for c in COST_ELEMENT_COLUMNS},
            "medical_revenue": money(frame.revenue.to_numpy(np.int64)),
            "outpatient_visits": pa.array(frame.visits.to_numpy(np.int64)),
            "bed_days": pa.array(frame.bed_days.to_numpy(np.int64)),
            "discharges": pa.array(frame.discharges.to_numpy(np.int64)),
            "exams": pa.array(frame.exams.to_numpy(np.int64)),
        }
    )


def _fen(value: object) -> int:
    return int(Decimal(value) * 100) if value is not None else 0
