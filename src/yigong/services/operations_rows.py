"""Operations results as rows (JSON-ready dicts) and as workbooks: what the CLI prints, the API
returns and the cockpit shows, one shape for all three; `write_tables` saves every table of a
result to ``.xlsx`` (one sheet per table) or ``.csv`` (one table).

Money is written as text with two decimals (exact), shares as decimals, dates ISO.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from yigong.operations.budget import BudgetExecution
from yigong.operations.consolidate import ConsolidatedRow
from yigong.operations.pay import Distribution
from yigong.operations.pnl import PnlRow
from yigong.schema.codes_operations import BUDGET_ACCOUNT, DEPARTMENT_CATEGORY
from yigong.schema.money import Money
from yigong.services.operations import AllocationReport, PnlReport
from yigong.services.operations_pay import PayChecksReport

__all__ = [
    "allocation_tables",
    "budget_tables",
    "consolidated_table",
    "distribution_tables",
    "pay_check_table",
    "pnl_table",
    "write_tables",
]

Rows = list[dict[str, Any]]
ELEMENT_ZH = {
    "personnel": "人员经费",
    "consumables": "卫生材料费",
    "drugs": "药品费",
    "depreciation": "固定资产折旧费",
    "amortisation": "无形资产摊销费",
    "risk_fund": "提取医疗风险基金",
    "other": "其他运行费用",
}


def _text(v: Any) -> Any:
    if isinstance(v, Decimal):
        return str(v)
    if hasattr(v, "amount") and hasattr(v, "fen"):  # Money
        return str(v)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def allocation_tables(r: AllocationReport) -> dict[str, Rows]:
    """``departments`` (direct and full cost by element, what each tier brought) and
    ``unit_costs``; ``issues`` when anything was unallocated or did not conserve."""
    deps = []
    for d in r.departments:
        row = {"institution_id": d.institution_id, "institution": d.institution,
               "department_id": d.department_id, "department": d.name,
               "category": d.category, "category_zh": DEPARTMENT_CATEGORY[d.category][0],
               "direct_total": str(Money.sum(list(d.direct.values()))),
               "full_total": str(Money.sum(list(d.full.values())))}  # fmt: skip
        row |= {f"direct_{e}": str(m) for e, m in d.direct.items()}
        row |= {f"full_{e}": str(m) for e, m in d.full.items()}
        row |= {f"from_{t}": str(m) for t, m in d.received.items()}
        row["unallocated"] = str(d.unallocated)
        deps.append(row)
    units = [{"department_id": u.department_id, "department": u.name, "period": u.period,
              "service": u.service, "cost": str(u.cost), "volume": u.volume,
              "per_unit": _text(u.per_unit)} for u in r.unit_costs]  # fmt: skip
    issues = [{"level": i.level.value, "code": i.code, "message": i.message} for i in r.issues]
    return {"departments": deps, "unit_costs": units, "issues": issues}


def _structure(row: PnlRow) -> dict[str, str]:
    return {f"cost_{e}": str(m) for e, m in row.structure.items()}


def pnl_table(report: PnlReport, rows: Iterable[PnlRow], by_group: bool = True) -> Rows:
    """P&L rows: key (and a DRG's name), cases, payment, cost, profit, per case, LOS against
    peers, cost structure."""
    out = []
    for r in rows:
        out.append({
            "institution_id": r.institution, "institution": report.institution_names.get(
                r.institution or "", r.institution), "key": r.key,
            "key_name": report.group_names.get(r.key, "") if by_group else "",
            "cases": r.cases,
            "payment": str(r.payment), "cost": str(r.cost), "profit": str(r.profit),
            "profit_per_case": str(r.profit_per_case), "cost_per_case": str(r.cost_per_case),
            "mean_los": _text(r.mean_los), "peer_los": _text(r.peer_los),
            "reference_los": _text(r.reference_los), "uncosted": r.uncosted, **_structure(r),
        })  # fmt: skip
    return out


def budget_tables(x: BudgetExecution, alerts_only: bool = False) -> dict[str, Rows]:
    """``lines`` (approved, adjusted, executed, rate, elapsed, alert count), ``months`` (plan
    and actual per line and month), ``alerts`` and ``trail`` (every approval step)."""
    lines, months, alerts, trail = [], [], [], []
    for e in x.lines:
        ln = e.line
        if alerts_only and not e.alerts:
            continue
        lines.append({"line_id": ln.line_id, "institution_id": ln.institution_id,
                      "department_id": ln.department_id, "account": ln.account,
                      "account_zh": BUDGET_ACCOUNT[ln.account][0], "approved": str(ln.annual),
                      "adjusted": str(e.adjusted_annual), "executed": str(e.cumulative_actual),
                      "execution_rate": _text(e.execution_rate), "elapsed": _text(e.elapsed),
                      "through_month": e.through_month, "alerts": len(e.alerts)})  # fmt: skip
        months += [{"line_id": ln.line_id, "month": m.month, "plan": str(m.plan),
                    "actual": _text(m.actual), "variance": _text(m.variance),
                    "variance_rate": _text(m.variance_rate)} for m in e.months]  # fmt: skip
        alerts += [{"line_id": a.line_id, "level": a.level, "kind": a.kind, "month": a.month,
                    "direction": a.direction, "value": str(a.value),
                    "threshold": str(a.threshold), "message": a.message} for a in e.alerts]  # fmt: skip
        trail += [{"line_id": ln.line_id, "date": t.when.isoformat(), "what": t.what,
                   "who": t.who, "amount": str(t.amount), "reference": t.reference,
                   "note": t.note} for t in e.trail]  # fmt: skip
    issues = [{"level": i.level.value, "code": i.code, "message": i.message} for i in x.issues]
    return {"lines": lines, "months": months, "alerts": alerts, "trail": trail, "issues": issues}


def consolidated_table(rows: list[ConsolidatedRow]) -> Rows:
    return [{"account": r.account,
             "account_zh": BUDGET_ACCOUNT[r.account][0] if r.account in BUDGET_ACCOUNT else "收支结余",
             "institutions": r.institutions, "approved": str(r.approved),
             "adjusted": str(r.adjusted), "executed": str(r.executed),
             "execution_rate": _text(r.execution_rate)} for r in rows]  # fmt: skip


def distribution_tables(d: Distribution) -> dict[str, Rows]:
    """``summary``, ``departments``, ``staff`` and the ``ledger`` of one distribution."""
    summary = [{"institution_id": d.institution_id, "year": d.year, "approved": str(d.approved),
                "appraisal_score": _text(d.score), "coefficient": str(d.coefficient),
                "distributable": str(d.distributable), "fixed_items_paid": str(d.fixed_items_paid),
                "pool": str(d.pool)}]  # fmt: skip
    deps = [{"department_id": x.department_id, "department": x.name,
             "points": str(x.points.quantize(Decimal("0.01"))), "quality": str(x.quality),
             "pool": str(x.pool), "staff": x.staff} for x in d.departments]  # fmt: skip
    staff = [{"staff_key": s.staff_key, "department_id": s.department_id, "title": s.title,
              "weight": str(s.weight), "entitled": str(s.entitled), "paid": str(s.paid),
              "difference": str(s.difference)} for s in d.staff]  # fmt: skip
    ledger = [{"line": ln.line_id, "account": ln.account, "counterparty": ln.counterparty,
               "amount": str(ln.amount), "rule": ln.rule_id, "clause": ln.clause,
               "inputs": "; ".join(f"{k}={_text(v)}" for k, v in ln.inputs.items())}
              for ln in d.ledger.lines]  # fmt: skip
    issues = [{"level": i.level.value, "code": i.code, "message": i.message} for i in d.issues]
    return {"summary": summary, "departments": deps, "staff": staff, "ledger": ledger,
            "issues": issues}  # fmt: skip


def pay_check_table(r: PayChecksReport) -> Rows:
    return [{"rule": c.rule_id, "institution_id": c.institution_id,
             "institution": r.institution_names.get(c.institution_id, c.institution_id),
             "subject": c.subject, "numerator": _text(c.numerator),
             "denominator": _text(c.denominator), "value": _text(c.value),
             "requirement": c.requirement, "threshold": _text(c.threshold), "ok": c.ok,
             "clause": c.clause, "note": c.note}
            for c in r.checks]  # fmt: skip


def write_tables(path: Path, tables: dict[str, Rows]) -> Path:
    """Every table to ``.xlsx`` (a sheet each) or the first to ``.csv``."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = next(iter(tables.values()), [])
        with path.open("w", encoding="utf-8", newline="") as fh:
            if rows:
                w = csv.DictWriter(fh, fieldnames=list(rows[0]))
                w.writeheader()
                w.writerows(rows)
        return path
    if suffix != ".xlsx":
        raise ValueError(f"{path}: write .xlsx (every table) or .csv (the first table)")
    from openpyxl import Workbook  # lazy: heavy (openpyxl ~0.5 s), .xlsx only

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in tables.items():
        ws = wb.create_sheet(title=name[:31])
        if rows:
            ws.append(list(rows[0]))
            for row in rows:
                ws.append([row.get(k) for k in rows[0]])
    wb.save(path)
    return path
