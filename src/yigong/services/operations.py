"""Hospital operations as user actions (`yigong ops …`, the API and the cockpit call these).

One function per action, no policy inside: the rules are the operations policy pack (cost
allocation, case cost, budget thresholds, pay) and the payment policy (DRG and DIP payment,
the township and family-doctor distribution rules); the warehouse is read by
`yigong.services.operations_data`, the payments by the payment engine.

- `cost_allocation`: department full costs of a node's institutions in a year (step-down),
  unit costs, and the conservation check;
- `allocation_ledger`: the ledger lines moving cost into and out of one department-month;
- `drg_profit_and_loss` / `dip_profit_and_loss`: case costs against the payment engine's
  payments, reconciled;
- `budget_execution`, `consolidated_budget`: plan vs actual, alerts, trails; the community's
  consolidated statement;
- `pay_distribution`, `pay_checks`: the envelope distributed; the distribution rules checked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import numpy as np

from yigong.casemix.model import pack_model
from yigong.operations import (
    DEFAULT_POLICY,
    DRIVERS,
    ELEMENTS,
    Allocation,
    CaseCosts,
    Coded,
    PnlCases,
    allocate_costs,
    case_costs,
    execute_budget,
    load_operations_policy,
    unit_costs,
)
from yigong.operations.budget import BudgetExecution
from yigong.operations.consolidate import ConsolidatedRow, consolidate
from yigong.operations.pnl import PnlRow, profit_and_loss, reconcile, worst_groups
from yigong.operations.unit_cost import UnitCost
from yigong.payment.drg import settle_drg
from yigong.payment.ledger import Ledger
from yigong.payment.loader import load_policy
from yigong.rulepacks import Issue
from yigong.schema.money import Money, allocate
from yigong.services.casemix_reference import choose_reference
from yigong.services.operations_data import budget_records, cost_centres, names, stays
from yigong.services.settlement import run_dip
from yigong.services.settlement_data import dip_inputs_from_warehouse, drg_inputs_from_warehouse
from yigong.services.settlement_data._common import need
from yigong.services.warehouse import opened
from yigong.warehouse import Tables

__all__ = [
    "AllocationReport",
    "PnlReport",
    "allocation_ledger",
    "budget_execution",
    "consolidate_lines",
    "consolidated_budget",
    "cost_allocation",
    "dip_profit_and_loss",
    "drg_profit_and_loss",
]

T = TypeVar("T")
Where = Path | Tables


def with_tables(db: Where, action: Callable[[Tables], T]) -> T:
    """Open the warehouse (if a path) read-only for one action, and close it again."""

    with opened(db, read_only=True) as tables:
        return action(tables)


# -- cost allocation -----------------------------------------------------------------------
@dataclass(frozen=True)
class DepartmentCostRow:
    """One department's year (or month) after the step-down: direct and full cost by element."""

    institution_id: str
    institution: str
    department_id: str
    name: str
    category: str
    direct: dict[str, Money]
    full: dict[str, Money]
    received: dict[str, Money]  # per tier id
    unallocated: Money


@dataclass(frozen=True)
class AllocationReport:
    node: str
    year: int
    policy: str
    allocation: Allocation
    departments: tuple[DepartmentCostRow, ...]
    unit_costs: tuple[UnitCost, ...]
    issues: tuple[Issue, ...]

    @property
    def direct_total(self) -> Money:
        return Money.from_fen(int(self.allocation.direct.sum()))

    @property
    def full_total(self) -> Money:
        return Money.from_fen(int(self.allocation.full.sum()))


def _department_rows(a: Allocation, inst_names: dict[str, str]) -> list[DepartmentCostRow]:
    c = a.centres
    by: dict[str, list[int]] = defaultdict(list)
    for row in range(len(c)):
        by[c.department_id[row]].append(row)
    cats = ("administrative", "medical_support", "medical_technology", "clinical")
    out = []
    for dept, rows in by.items():
        idx = np.array(rows)
        inst = c.units[c.unit[idx[0]]].split(" ")[0]
        direct = a.direct[idx].sum(axis=0)
        full = a.full[idx].sum(axis=0)
        out.append(DepartmentCostRow(
            inst, inst_names.get(inst, inst), dept, c.name[idx[0]], cats[int(c.category[idx[0]])],
            {e: Money.from_fen(int(direct[i])) for i, e in enumerate(ELEMENTS)},
            {e: Money.from_fen(int(full[i])) for i, e in enumerate(ELEMENTS)},
            {t.id: Money.from_fen(int(a.received[k][idx].sum())) for k, t in enumerate(a.tiers)},
            Money.from_fen(int(a.unallocated[idx].sum())),
        ))  # fmt: skip
    out.sort(key=lambda r: (r.institution_id, cats.index(r.category), r.department_id))
    return out


def cost_allocation(
    db: Where, node: str, year: int, *, policy: str = DEFAULT_POLICY
) -> AllocationReport:
    """``yigong ops costs``: the step-down allocation of the node's department costs in
    ``year`` (every month), department full costs for the year, unit costs, conservation."""
    ops = load_operations_policy(policy)

    def run(t: Tables) -> AllocationReport:
        centres = cost_centres(t, node, year)
        if not len(centres):
            raise ValueError(f"no department costs for {node} in {year}")
        a = allocate_costs(centres, ops.allocation)
        inst_names = names(t, (u.split(" ")[0] for u in centres.units))
        period = {u: str(year) for u in centres.units}
        issues = (*a.issues, *a.conservation())
        return AllocationReport(node, year, ops.id, a, tuple(_department_rows(a, inst_names)),
                                tuple(unit_costs(a, period)), issues)  # fmt: skip

    return with_tables(db, run)


def allocation_ledger(report: AllocationReport, department_id: str, month: int) -> list[dict]:
    """The transfers into and out of one department in one month of a report, as ledger
    lines (rule, clause, driver, weight, amount per element)."""

    a = report.allocation
    c, t = a.centres, a.transfers
    if t is None:
        return []
    label_month = f"-{month:02d}"
    rows = {r for r in range(len(c)) if c.department_id[r] == department_id
            and c.units[c.unit[r]].endswith(label_month)}  # fmt: skip
    ledger = Ledger()
    day = f"{report.year}-{month:02d}-28"
    for k in range(len(t)):
        if int(t.source[k]) not in rows and int(t.receiver[k]) not in rows:
            continue
        tier = a.tiers[int(t.tier[k])]
        for e, name in enumerate(ELEMENTS):
            amount = int(t.amounts[k, e])
            if amount:
                ledger.post(day, f"{report.year}-{month:02d}",
                            f"department:{c.department_id[t.source[k]]}",
                            f"department:{c.department_id[t.receiver[k]]}",
                            Money.from_fen(amount), f"allocation.{tier.id}", tier.clause,
                            {"element": name, "driver": _driver(int(t.driver[k])),
                             "weight": int(t.weight[k]), "total_weight": int(t.total_weight[k])})  # fmt: skip
    return [
        {"line": ln.line_id, "account": ln.account, "counterparty": ln.counterparty,
         "amount": str(ln.amount), "rule": ln.rule_id, "clause": ln.clause,
         **{k: str(v) for k, v in ln.inputs.items()}}
        for ln in ledger.lines
    ]  # fmt: skip


def _driver(index: int) -> str:
    return DRIVERS[index] if index >= 0 else ""


# -- DRG and DIP profit and loss --------------------------------------------------------------
@dataclass(frozen=True)
class PnlReport:
    """Case costs against payments for one county-year, with the reconciliation."""

    kind: str  # drg | dip
    county: str
    year: int
    scheme: str
    cases: PnlCases
    engine_total: Money  # the payment engine's total for these cases
    case_cost_total: Money
    reconciliation: tuple[Issue, ...]
    institution_names: dict[str, str]
    reference_los: dict[str, Decimal] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    case_costs: CaseCosts | None = None
    group_names: dict[str, str] = field(default_factory=dict)  # DRG code → 中文 name

    def rows(self, by: str = "group", institution: str | None = None) -> list[PnlRow]:
        rows = profit_and_loss(self.cases, by, within_institution=by != "institution",
                               reference_los=self.reference_los)  # fmt: skip
        return [r for r in rows if institution is None or r.institution == institution]

    def worst(self, institution: str, n: int = 5, min_cases: int = 5) -> list[PnlRow]:
        return worst_groups(self.cases, institution, n, min_cases=min_cases,
                            reference_los=self.reference_los)  # fmt: skip

    @property
    def payment_total(self) -> Money:
        return Money.from_fen(int(np.asarray(self.cases.payment).sum()))


def _costed_stays(t: Tables, county: str, year: int, policy: str):  # noqa: ANN202
    ops = load_operations_policy(policy)
    centres = cost_centres(t, f"division:{county}", year)
    allocation = allocate_costs(centres, ops.allocation, keep_transfers=False)
    columns, meta = stays(t, f"division:{county}", year, centres)
    costs = case_costs(allocation, columns, ops.case_cost)
    index = {cid: i for i, cid in enumerate(columns.case_id)}
    return costs, meta, index, allocation


def _reference_los(scheme: str, reference: str | None) -> tuple[dict[str, Decimal], str]:
    try:
        ref = choose_reference(scheme, reference)
    except ValueError:
        return {}, ""
    table = ref.table.to_pyarrow()
    if "mean_los" not in table.column_names:
        return {}, ref.id
    return {d: Decimal(str(v)).quantize(Decimal("0.01"))
            for d, v in zip(table.column("drg").to_pylist(), table.column("mean_los").to_pylist(),
                            strict=True) if v is not None}, ref.id  # fmt: skip


def _pnl_cases(ids, institutions, groups, los, payment, costs, meta, index) -> PnlCases:  # noqa: ANN001
    rows = np.array([index.get(cid, -1) for cid in ids], dtype=np.int64)
    found = rows >= 0
    safe = np.where(found, rows, 0)
    dept = np.array(meta.column("department").to_pylist(), dtype=object)[safe]
    doctor = np.array(meta.column("attending_doctor_key").to_pylist(), dtype=object)[safe]
    costed = found & (costs.stays.ward[safe] >= 0)
    cost = np.where(costed[:, None], costs.cost[safe], 0)  # a county: stay order is cheap
    return PnlCases(
        tuple(ids), Coded.of(list(institutions)), Coded.of([str(x) for x in dept]),
        Coded.of([x if x is not None else "" for x in doctor]), Coded.of(list(groups)),
        np.asarray(los, dtype=np.int64), cost, costed, np.asarray(payment, dtype=np.int64),
    )  # fmt: skip


def drg_names(scheme: str) -> dict[str, str]:
    """The Chinese name of every DRG of a shipped grouper pack (empty for an unknown scheme)."""

    try:
        model = pack_model(scheme)
    except Exception:  # noqa: BLE001 - a user pack folder or unknown id: codes only
        return {}
    return {d.drg: d.name for ds in model.drgs.values() for d in ds}


def _drg_payments(
    t: Tables,
    county: str,
    year: int,
    scheme: str,
    payment_policy: str,
    weights_csv: Path | None,
):  # noqa: ANN202 - one seam to the payment engine
    """(case ids, institutions, DRGs, LOS, payment fen, engine total, rate) of the county's
    DRG-paid stays, settled by the payment engine under ``payment_policy``."""

    policy = load_policy(payment_policy)
    drg = need(policy.drg, "drg")
    levels = need(policy.institution_levels, "institution_levels")
    inputs, _prov = drg_inputs_from_warehouse(t, county, year, scheme, levels=levels,
                                              weights_csv=weights_csv)  # fmt: skip
    result = settle_drg(inputs.cases, drg, year, policy.rounding.rule(), inputs.budget)
    by_case = {c.case_id: c for c in inputs.cases}
    ids = [r.case_id for r in result.cases]
    return (ids, [r.institution_id for r in result.cases], [r.drg for r in result.cases],
            [by_case[i].los for i in ids], [r.payment.fen for r in result.cases],
            Money.sum([h.payment for h in result.hospitals]), result.rate)  # fmt: skip


def drg_profit_and_loss(
    db: Where,
    county: str,
    year: int,
    *,
    scheme: str = "chs-drg-1.1",
    payment_policy: str = "henan-default",
    policy: str = DEFAULT_POLICY,
    weights_csv: Path | None = None,
    reference: str | None = None,
) -> PnlReport:
    """``yigong ops drg-pnl``: every DRG-paid stay of the county's year, its case cost (step-down
    → top-down) against the payment the payment engine settles it at; reconciled."""

    def run(t: Tables) -> PnlReport:
        costs, meta, index, _ = _costed_stays(t, county, year, policy)
        ids, insts, drgs, los, pay, total, rate = _drg_payments(
            t, county, year, scheme, payment_policy, weights_csv)  # fmt: skip
        cases = _pnl_cases(ids, insts, drgs, los, pay, costs, meta, index)
        cost_total = Money.from_fen(int(cases.cost.sum()))
        checks = reconcile(cases, total, cost_total)
        ref_los, ref_id = _reference_los(scheme, reference)
        uncosted = int((~cases.costed).sum())
        notes = (f"DRG rate {rate} ({payment_policy})", f"{len(ids):,} DRG-paid stays, "
                 f"{uncosted:,} without a ward (paid, not costed)",
                 f"peer LOS: the same DRG at the county's other institutions; reference LOS: "
                 f"{ref_id or 'none'}")  # fmt: skip
        return PnlReport("drg", county, year, scheme, cases, total, cost_total, tuple(checks),
                         names(t, set(insts)), ref_los, notes, costs, drg_names(scheme))  # fmt: skip

    return with_tables(db, run)


def dip_profit_and_loss(
    db: Where,
    county: str,
    year: int,
    *,
    payment_policy: str = "henan-default",
    policy: str = DEFAULT_POLICY,
    scope: str = "dip",
) -> PnlReport:
    """``yigong ops dip-pnl``: the county's DIP stays, case cost against what the hospital gets:
    its DIP settlement split over its cases by their points (largest remainder, so the cases
    add up to the payment engine's settlement) plus the patient's own share (cost − fund
    paid). ``scope`` ``all_inpatient`` settles every inpatient stay by DIP (a what-if)."""

    pay_policy = load_policy(payment_policy)
    dip = need(pay_policy.dip, "dip")
    levels = need(pay_policy.institution_levels, "institution_levels")

    def run(t: Tables) -> PnlReport:
        costs, meta, index, _ = _costed_stays(t, county, year, policy)
        inputs, _prov = dip_inputs_from_warehouse(t, county, year, dip, levels=levels,
                                                  scope=scope)  # type: ignore[arg-type]  # fmt: skip
        _catalog, result = run_dip(inputs, pay_policy)
        by_case = {c.case_id: c for c in inputs.cases}
        los_of = dict(zip(meta.column("discharge_id").to_pylist(),
                          meta.column("length_of_stay").to_pylist(), strict=True))  # fmt: skip
        per_case: dict[str, int] = {}
        by_inst: dict[str, list] = defaultdict(list)
        for r in result.cases:
            by_inst[r.institution_id].append(r)
        for h in result.hospitals:
            rs = by_inst[h.institution_id]
            weights = [r.points for r in rs]
            parts = (allocate(h.settlement, weights) if sum(weights) > 0
                     else [Money.zero()] * len(rs))  # fmt: skip
            for r, part in zip(rs, parts, strict=True):
                c = by_case[r.case_id]
                per_case[r.case_id] = part.fen + (c.cost - c.fund_paid).fen
        ids = [r.case_id for r in result.cases]
        patient = sum((by_case[i].cost - by_case[i].fund_paid).fen for i in ids)
        cases = _pnl_cases(ids, [r.institution_id for r in result.cases],
                           [r.group_id or "(unmatched)" for r in result.cases],
                           [int(los_of.get(i) or 0) for i in ids], [per_case[i] for i in ids],
                           costs, meta, index)  # fmt: skip
        engine = Money.sum([h.settlement for h in result.hospitals]) + Money.from_fen(patient)
        cost_total = Money.from_fen(int(cases.cost.sum()))
        checks = reconcile(cases, engine, cost_total)
        notes = (f"DIP point value {result.point_value} ({payment_policy}, scope {scope})",
                 "payment per case = the hospital's DIP settlement split by points + the "
                 "patient's own share (cost − fund paid)")  # fmt: skip
        return PnlReport("dip", county, year, "dip", cases, engine, cost_total, tuple(checks),
                         names(t, {r.institution_id for r in result.cases}), {}, notes, costs)  # fmt: skip

    return with_tables(db, run)


# -- budgets ------------------------------------------------------------------------------------
def budget_execution(
    db: Where,
    node: str,
    year: int,
    *,
    through_month: int | None = None,
    policy: str = DEFAULT_POLICY,
) -> BudgetExecution:
    """``yigong ops budget``: every budget line of the node's institutions in ``year``: plan vs
    actual by month, execution against time elapsed, alerts and approval trails."""
    ops = load_operations_policy(policy)

    def run(t: Tables) -> BudgetExecution:
        lines, adjustments, actuals = budget_records(t, node, year)
        return execute_budget(lines, adjustments, actuals, ops.budget, through_month)

    return with_tables(db, run)


def consolidate_lines(execution: BudgetExecution) -> list[ConsolidatedRow]:
    """The consolidated statement of executed lines (all the lines given, summed by account)."""
    return consolidate(execution.lines)


def consolidated_budget(
    db: Where, community: str, year: int, *, through_month: int | None = None,
    policy: str = DEFAULT_POLICY,
) -> list[ConsolidatedRow]:  # fmt: skip
    """``yigong ops budget --consolidated``: the medical community's member institutions'
    budgets summed account by account (no internal eliminations: no internal flows in the data)."""
    node = community if community.startswith("community:") else f"community:{community}"
    execution = budget_execution(db, node, year, through_month=through_month, policy=policy)
    return consolidate(execution.lines)
