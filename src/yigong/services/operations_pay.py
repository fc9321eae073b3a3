"""Performance pay as user actions: distribute an institution's envelope, check the county's
pay against the distribution rules (`yigong ops pay`, `yigong ops pay-checks`).

Read from the warehouse: the envelope (`performance_pay_envelopes`), the year's pay per person
and item (`staff_pay`), titles and posts (`staff`, year-end snapshot), department workload
(`department_costs`), case weights and low-risk deaths per ward (`drg_case_facts`, when the
DRG step has stored them), finance and family-doctor contracts. The rules are the operations
policy's ``pay`` section and the payment policy's ``distribution`` section.

The township-incentive balance is read as: medical revenue + the basic fiscal subsidy (the
income of medical services in a centre that lives on its subsidy) − (the year's department
costs − the incentive pay itself, GP allowance, night and rural sub-items included, since the
balance is what incentive pay is paid from) − the funds withdrawn (`fund_withdrawals`).
This reading of [N] (3)2 is ours (I).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import ibis
from ibis.common.exceptions import TableNotFound

from yigong.indicators.benchmarks import benchmark_value
from yigong.operations import DEFAULT_POLICY, load_operations_policy
from yigong.operations.pay import DepartmentWork, Distribution, StaffMonths, distribute_envelope
from yigong.operations.pay_checks import (
    PayCheck,
    PersonRecord,
    fixed_salary_checks,
    gp_parity_checks,
    personnel_share_check,
    township_and_family_doctor_checks,
)
from yigong.payment.distribution import FinanceRecord
from yigong.payment.loader import load_policy
from yigong.schema.money import Money
from yigong.schema.operations_tables import COST_ELEMENT_COLUMNS, PAY_ITEM_COLUMNS
from yigong.services.operations import Where, with_tables
from yigong.services.operations_data import node_institutions
from yigong.services.settlement_data._common import need
from yigong.warehouse import Tables

__all__ = ["PayChecksReport", "pay_checks", "pay_distribution"]

SUB_ITEMS = ("incentive_performance", "gp_allowance", "night_shift", "rural_subsidy")


def _people(t: Tables, insts: ibis.Table, year: int) -> list[dict]:
    """Each paid person's year: items summed, months, main department, title and post."""
    p = t.table("staff_pay")
    p = p.filter(p.year == year).semi_join(insts, "institution_id")
    agg = p.group_by(["institution_id", "staff_key"]).aggregate(
        months=p.month.nunique(),
        department_id=p.department_id.mode(),
        **{c: p[c].sum() for c in PAY_ITEM_COLUMNS},
    )
    s = t.table("staff")
    s = s.filter(s.snapshot_date == date(year, 12, 31)).select(
        "institution_id", "staff_key", "qualification", "title", "is_general_practitioner",
        "family_doctor_team_id")  # fmt: skip
    inst = t.table("institutions").select("institution_id", "institution_type")
    j = agg.left_join(s, ["institution_id", "staff_key"]).select(
        agg, s.qualification, s.title, s.is_general_practitioner, s.family_doctor_team_id
    )
    j = j.left_join(inst, "institution_id").select(j, inst.institution_type)
    return j.order_by(["institution_id", "staff_key"]).to_pyarrow().to_pylist()


def _items(row: dict) -> dict[str, Money]:
    return {c: Money.of(row[c] or Decimal(0)) for c in PAY_ITEM_COLUMNS}


def pay_distribution(
    db: Where, institution: str, year: int, *, policy: str = DEFAULT_POLICY
) -> Distribution:
    """``yigong ops pay``: the institution's envelope × its appraisal coefficient, distributed
    to departments by points (workload, case weights, quality) and to staff by title."""
    ops = load_operations_policy(policy)

    def run(t: Tables) -> Distribution:
        insts = node_institutions(t, f"institution:{institution}", year)
        env = t.table("performance_pay_envelopes")
        rows = env.filter((env.institution_id == institution) & (env.year == year)).to_pyarrow()
        if not rows.num_rows:
            raise ValueError(f"no approved performance-pay envelope for {institution} in {year}")
        e = rows.to_pylist()[0]
        people = _people(t, insts, year)
        fixed = [i for i in ops.pay.envelope.items if i not in ops.pay.distribution.incentive_items]
        fixed_paid = Money.sum([_items(p)[i] for p in people for i in fixed])
        staff = [StaffMonths(p["staff_key"], p["department_id"] or "", p["title"] or "none",
                             int(p["months"]), Money.sum([_items(p)[i] for i in
                                                          ops.pay.distribution.incentive_items]))
                 for p in people if p["department_id"]]  # fmt: skip
        work = _department_work(t, institution, year)
        score = None if e["appraisal_score"] is None else Decimal(str(e["appraisal_score"]))
        return distribute_envelope(institution, year, Money.of(e["approved_total"]), score,
                                   fixed_paid, work, staff, ops.pay)  # fmt: skip

    return with_tables(db, run)


def _department_work(t: Tables, institution: str, year: int) -> list[DepartmentWork]:
    dep = t.table("departments")
    dep = dep.filter((dep.institution_id == institution) & (dep.valid_from <= date(year, 12, 31))
                     & (dep.valid_to.isnull() | (dep.valid_to >= date(year, 1, 1))))  # fmt: skip
    dep = dep.group_by(["department_id", "name_zh", "setting"]).aggregate(n=dep.count())
    dc = t.table("department_costs")
    dc = dc.filter((dc.institution_id == institution) & (dc.year == year))
    work = dc.group_by("department_id").aggregate(
        bed_days=dc.bed_days.sum(), visits=dc.outpatient_visits.sum(), exams=dc.exams.sum()
    )
    rows = dep.left_join(work, "department_id").select(dep, work.bed_days, work.visits,
                                                       work.exams).to_pyarrow().to_pylist()  # fmt: skip
    weights = _case_weights(t, institution, year)
    out = []
    for r in sorted(rows, key=lambda r: r["department_id"]):
        cw, deaths = weights.get(r["name_zh"], (Decimal(0), 0)) if r["setting"] == "inpatient" \
            else (Decimal(0), 0)  # fmt: skip
        out.append(DepartmentWork(r["department_id"], r["name_zh"], cw, int(r["bed_days"] or 0),
                                  int(r["visits"] or 0), int(r["exams"] or 0), deaths))  # fmt: skip
    return out


def _case_weights(t: Tables, institution: str, year: int) -> dict[str, tuple[Decimal, int]]:
    """Σ DRG weight and low-risk deaths per ward name, from the stored case-mix facts."""

    try:
        f = t.table("drg_case_facts")
    except TableNotFound:
        return {}
    f = f.filter((f.institution_id == institution) & f.period.startswith(str(year)))
    rows = f.group_by("department").aggregate(
        weight=f.weight.sum(), deaths=f.low_risk_death.cast("int64").sum()).to_pyarrow().to_pylist()  # fmt: skip
    return {r["department"]: (Decimal(str(round(r["weight"] or 0, 4))), int(r["deaths"] or 0))
            for r in rows}  # fmt: skip


@dataclass(frozen=True)
class PayChecksReport:
    node: str
    year: int
    checks: tuple[PayCheck, ...]
    institution_names: dict[str, str]


def pay_checks(
    db: Where,
    node: str,
    year: int,
    *,
    policy: str = DEFAULT_POLICY,
    payment_policy: str = "henan-default",
    benchmark: dict[str, tuple[Decimal | None, str]] | None = None,
) -> PayChecksReport:
    """``yigong ops pay-checks``: the distribution rules for every institution of the node:
    township incentive and family-doctor shares (payment policy), GP income parity, the
    fixed-salary share, the personnel share against the national benchmark of the hospital's
    level (``benchmark``: level → (value, source); default the indicator catalog's table)."""

    ops = load_operations_policy(policy)
    dist = need(load_policy(payment_policy).distribution, "distribution")
    rule = ops.pay.personnel_share
    if benchmark is None:
        benchmark = {lv: _benchmark(ind, rule.statistic, year) for lv, ind in rule.by_level.items()}

    def run(t: Tables) -> PayChecksReport:
        insts = node_institutions(t, node, year)
        people = _people(t, insts, year)
        records = [PersonRecord(p["staff_key"], p["institution_id"], p["institution_type"] or "",
                                p["qualification"] or "", p["title"] or "none",
                                bool(p["is_general_practitioner"]), _items(p)) for p in people]  # fmt: skip
        checks = township_and_family_doctor_checks(_finance_records(t, insts, year, people), dist)
        checks += gp_parity_checks(records, ops.pay)
        checks += fixed_salary_checks(records, ops.pay)
        fin = t.table("finance")
        fin = fin.filter(fin.year == year).semi_join(insts, "institution_id")
        inst_t = t.table("institutions").select(
            "institution_id", "institution_type", "name_zh", "level"
        )
        rows = fin.join(inst_t, "institution_id").to_pyarrow().to_pylist()
        hospitals = {"county_general", "county_tcm", "county_mch", "county_specialised",
                     "city_general"}  # fmt: skip
        for r in sorted(rows, key=lambda r: r["institution_id"]):
            if r["institution_type"] in hospitals:
                checks.append(personnel_share_check(
                    r["institution_id"], Money.of(r["personnel_expenditure"]),
                    Money.of(r["business_expenditure"]) + Money.of(r["admin_expenditure"] or 0),
                    *benchmark.get(r["level"], (None, "")), ops.pay))  # fmt: skip
        names = {r["institution_id"]: r["name_zh"] for r in rows}
        return PayChecksReport(node, year, tuple(checks), names)

    return with_tables(db, run)


def _benchmark(indicator: str, statistic: str, year: int) -> tuple[Decimal | None, str]:
    """The national benchmark of an indicator for a year, from the indicator catalog's table
    (the latest year not after ``year``)."""
    found = benchmark_value(indicator, statistic, year)
    if found is None:
        return None, ""
    return found.value, found.describe()


def _finance_records(t: Tables, insts: ibis.Table, year: int,
                     people: list[dict]) -> list[FinanceRecord]:  # fmt: skip
    inst = t.table("institutions").select("institution_id", "institution_type")
    fin = t.table("finance")
    fin = fin.filter(fin.year == year).semi_join(insts, "institution_id").join(
        inst, "institution_id")  # fmt: skip
    env = t.table("performance_pay_envelopes")
    env = env.filter(env.year == year).select("institution_id", "fund_withdrawals")
    dc = t.table("department_costs")
    dc = dc.filter(dc.year == year).semi_join(insts, "institution_id")
    cost = dc.group_by("institution_id").aggregate(
        cost=sum((dc[c] for c in COST_ELEMENT_COLUMNS[1:]), dc[COST_ELEMENT_COLUMNS[0]]).sum()
    )
    rows = fin.left_join(env, "institution_id").select(fin, env.fund_withdrawals)
    rows = rows.left_join(cost, "institution_id").select(rows, cost.cost).to_pyarrow().to_pylist()
    contracts = t.table("family_doctor_contracts")
    contracts = contracts.filter(contracts.signed_date.year() == year)
    income_t = contracts.group_by("institution_id").aggregate(fee=contracts.fee_amount.sum())
    income = {r["institution_id"]: Money.of(r["fee"]) for r in income_t.to_pyarrow().to_pylist()}
    team_of = {r["team_id"]: r["institution_id"] for r in contracts.select(
        "team_id", "institution_id").distinct().to_pyarrow().to_pylist()}  # fmt: skip
    team_paid: dict[str, Money] = defaultdict(Money.zero)
    incentive: dict[str, Money] = defaultdict(Money.zero)
    for p in people:
        items = _items(p)
        owner = team_of.get(p["family_doctor_team_id"] or "")
        if owner:
            team_paid[owner] += items["family_doctor_fee"]
        incentive[p["institution_id"]] += Money.sum([items[i] for i in SUB_ITEMS])
    out = []
    for r in sorted(rows, key=lambda r: r["institution_id"]):
        iid = r["institution_id"]
        township = r["institution_type"] == "township_centre"
        if township and r["cost"] is not None:
            revenue = Money.of(r["medical_revenue"]) + Money.of(r["basic_fiscal_subsidy"] or 0)
            costs = Money.of(r["cost"]) - incentive[iid]
            out.append(FinanceRecord(iid, service_revenue=revenue, service_costs=costs,
                                     fund_withdrawals=Money.of(r["fund_withdrawals"] or 0),
                                     incentive_paid=incentive[iid],
                                     contract_income=income.get(iid),
                                     contract_team_paid=team_paid[iid] if iid in income else None))  # fmt: skip
        elif iid in income:
            out.append(FinanceRecord(iid, contract_income=income[iid],
                                     contract_team_paid=team_paid[iid]))  # fmt: skip
    return out
