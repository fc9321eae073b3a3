"""Budgets (预算批复), their adjustments (预算调整) and monthly actuals (预算执行).

For every hospital and township centre and year (*assumptions*, docs/synthetic-data.md):

- institution-level revenue lines (outpatient, inpatient, fiscal subsidy) and one expense line
  per department and account (personnel, drugs, consumables, depreciation, other running
  costs: the department's cost items, amortisation and the risk fund counted as other);
- the approved annual amount is the year's actual × a planning error drawn from N(1, 5 %)
  (clipped to ±15 %), rounded to 100 yuan; approved between 10 January and 10 February;
- the monthly plan spreads the annual amount like the actual months with ±10 % noise;
- the actuals are the department costs and the revenue of the month, so budget execution
  agrees with the cost reports to the fen;
- a line whose first-half run rate misses its budget by more than 10 % asks in July for 70 %
  of the projected gap; three in four requests are approved ten days later, one in five is
  rejected, the rest (only in the last year) still wait for a decision.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from yigong.synth._arrow import dates, money
from yigong.synth.context import CountyContext
from yigong.synth.operations.activity import fen, split_fen

EXPENSE_ACCOUNTS = {
    "expense_personnel": ("cost_personnel",),
    "expense_drugs": ("cost_drugs",),
    "expense_consumables": ("cost_consumables",),
    "expense_depreciation": ("cost_depreciation",),
    "expense_other": ("cost_amortisation", "cost_risk_fund", "cost_other"),
}
PLAN_ERROR, PLAN_CLIP, ROUND_TO = 0.05, 0.15, 10_000  # fen
ADJUST_THRESHOLD, ADJUST_SHARE = 0.10, 0.7


def _lines(costs: pa.Table, clinics: pd.DataFrame, wards: pd.DataFrame, finance: pa.Table,
           ids: np.ndarray, n_costed: int) -> pd.DataFrame:  # fmt: skip
    """Actual amounts per (institution, department, account, year, month)."""
    c = costs.select(["institution_id", "department_id", "year", "month"]).to_pandas()
    parts = []
    for account, cols in EXPENSE_ACCOUNTS.items():
        amount = sum(fen(costs.column(col)) for col in cols)
        parts.append(c.assign(account=account, amount=amount))
    costed = set(ids[:n_costed])
    for account, frame in (("revenue_outpatient", clinics), ("revenue_inpatient", wards)):
        f = frame[frame.institution_id.isin(costed)]
        g = f.groupby(["institution_id", "year", "month"], as_index=False)["revenue"].sum()
        parts.append(g.assign(department_id=None, account=account).rename(
            columns={"revenue": "amount"}))  # fmt: skip
    fin = finance.select(["institution_id", "year", "fiscal_subsidy"])
    subsidy = fen(fin.column("fiscal_subsidy"))
    for iid, year, s in zip(fin.column("institution_id").to_pylist(),
                            fin.column("year").to_pylist(), subsidy, strict=True):  # fmt: skip
        if iid in costed:
            parts.append(pd.DataFrame({"institution_id": iid, "department_id": None,
                                       "account": "revenue_fiscal", "year": year,
                                       "month": np.arange(1, 13),
                                       "amount": split_fen(int(s), np.ones(12))}))  # fmt: skip
    out = pd.concat(parts, ignore_index=True)
    out["department_id"] = out.department_id.astype(object).where(out.department_id.notna(), "")
    return out.groupby(["institution_id", "department_id", "account", "year", "month"],
                       as_index=False)["amount"].sum()  # fmt: skip


def budget_tables(
    ctx: CountyContext,
    costs: pa.Table,
    clinics: pd.DataFrame,
    wards: pd.DataFrame,
    finance: pa.Table,
) -> tuple[pa.Table, pa.Table, pa.Table]:
    """(budget_lines, budget_adjustments, budget_actuals) of the county."""
    ids = ctx.institution_ids()
    actual = _lines(costs, clinics, wards, finance, ids, ctx.n_hospitals + len(ctx.inst.centres))
    wide = actual.pivot_table(index=["institution_id", "department_id", "account", "year"],
                              columns="month", values="amount", fill_value=0, aggfunc="sum")  # fmt: skip
    wide = wide.reindex(columns=range(1, 13), fill_value=0)
    wide = wide[wide.sum(axis=1) > 0]
    rng = ctx.rng("operations-budget")
    last = max(ctx.years)
    lines, plans, adjustments, actuals = [], [], [], []
    seq: dict[tuple[str, int], int] = {}
    for (iid, dept, account, year), months in wide.iterrows():
        k = seq[(iid, year)] = seq.get((iid, year), 0) + 1
        line_id = f"YS{iid}{year}{k:04d}"
        got = months.to_numpy(np.int64)
        error = float(np.clip(rng.normal(1, PLAN_ERROR), 1 - PLAN_CLIP, 1 + PLAN_CLIP))
        annual = max(round(int(got.sum()) * error / ROUND_TO) * ROUND_TO, ROUND_TO)
        plan = split_fen(annual, got * rng.uniform(0.9, 1.1, 12) + 1)
        day = int(rng.integers(0, 31))
        lines.append((line_id, iid, dept or None, int(year), account, annual,
                      np.datetime64(f"{year}-01-10") + np.timedelta64(day, "D")))  # fmt: skip
        plans.append(plan)
        actuals += [(line_id, iid, int(year), m, int(v)) for m, v in enumerate(got, start=1)]
        projected = int(got[:6].sum()) * 2
        gap = projected - annual
        if abs(gap) > ADJUST_THRESHOLD * annual:
            u = rng.random()
            status = "approved" if u < 0.75 else "rejected" if u < 0.95 or year != last else (
                "requested")  # fmt: skip
            adjustments.append((f"TZ{line_id[2:]}01", line_id, iid, int(year), 7,
                                round(gap * ADJUST_SHARE / ROUND_TO) * ROUND_TO, status))  # fmt: skip
    return _lines_table(lines, plans), _adjustments_table(adjustments), _actuals_table(actuals)


def _lines_table(lines: list[tuple], plans: list[np.ndarray]) -> pa.Table:
    plan = np.array(plans, dtype=np.int64).reshape(len(plans), 12)
    return pa.table(
        {
            "line_id": pa.array([r[0] for r in lines], pa.string()),
            "institution_id": pa.array([r[1] for r in lines], pa.string()),
            "department_id": pa.array([r[2] for r in lines], pa.string()),
            "year": pa.array([r[3] for r in lines], pa.int64()),
            "account": pa.array([r[4] for r in lines], pa.string()),
            "annual_amount": money(np.array([r[5] for r in lines], np.int64)),
            **{f"plan_m{m:02d}": money(plan[:, m - 1]) for m in range(1, 13)},
            "approved_on": dates(np.array([r[6] for r in lines], dtype="datetime64[D]")),
            "approved_by": pa.array([f"预算管理委员会〔{r[3]}〕1号" for r in lines], pa.string()),
        }
    )


def _adjustments_table(rows: list[tuple]) -> pa.Table:
    requested = np.array([np.datetime64(f"{r[3]}-07-10") for r in rows], dtype="datetime64[D]")
    decided = np.array([r[6] != "requested" for r in rows], dtype=bool)
    return pa.table(
        {
            "adjustment_id": pa.array([r[0] for r in rows], pa.string()),
            "line_id": pa.array([r[1] for r in rows], pa.string()),
            "institution_id": pa.array([r[2] for r in rows], pa.string()),
            "year": pa.array([r[3] for r in rows], pa.int64()),
            "effective_month": pa.array([r[4] for r in rows], pa.int64()),
            "amount": money(np.array([r[5] for r in rows], np.int64)),
            "reason": pa.array(
                ["上半年执行偏离预算，按预计全年执行数调整" for _ in rows], pa.string()
            ),
            "requested_on": dates(requested),
            "requested_by": pa.array(["科室负责人" for _ in rows], pa.string()),
            "status": pa.array([r[6] for r in rows], pa.string()),
            "decided_on": dates(requested + np.timedelta64(10, "D"), decided),
            "decided_by": pa.array(
                ["预算管理委员会" if ok else None for ok in decided], pa.string()
            ),
        }
    )


def _actuals_table(rows: list[tuple]) -> pa.Table:
    return pa.table(
        {
            "line_id": pa.array([r[0] for r in rows], pa.string()),
            "institution_id": pa.array([r[1] for r in rows], pa.string()),
            "year": pa.array([r[2] for r in rows], pa.int64()),
            "month": pa.array([r[3] for r in rows], pa.int64()),
            "actual_amount": money(np.array([r[4] for r in rows], np.int64)),
        }
    )
