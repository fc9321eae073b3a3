"""Operations tables of a synthetic county: departments, their monthly costs, budgets, pay and
the performance-pay envelope, built from the encounters, staff and finance already generated
(so every figure agrees with the rows it is made of). See docs/synthetic-data.md."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

from yigong.synth.context import CountyContext
from yigong.synth.operations import activity, budget, costs, departments, pay

__all__ = ["Encounters", "operations_tables"]


class Encounters:
    """What the operations tables need from the other tables, aggregated as they are made
    (the visits are aggregated at once, so the full table need not be kept)."""

    def __init__(self) -> None:
        self.wards = None
        self.clinics = None
        self.exams = None
        self.income = None

    def discharges(self, table: pa.Table) -> None:
        self.wards = activity.ward_activity(table)

    def visits(self, table: pa.Table) -> None:
        self.clinics = activity.clinic_activity(table)

    def examinations(self, table: pa.Table) -> None:
        self.exams = activity.exam_activity(table)

    def contracts(self, table: pa.Table) -> None:
        self.income = activity.contract_income(table)


def operations_tables(
    ctx: CountyContext,
    seen: Encounters,
    staff: pa.Table,
    bed_stats: pa.Table,
    finance: pa.Table,
) -> Iterator[tuple[str, pa.Table]]:
    """The seven operations tables of one county, in dependency order."""
    depts = departments.roster(ctx, seen.wards, seen.clinics)
    ids = ctx.institution_ids()
    act = costs.monthly_activity(depts, ids, seen.wards, seen.clinics, seen.exams, ctx.years)
    size = act.groupby("department_id")["revenue"].sum().to_dict()
    people = pay.assignments(ctx, staff, depts, size)
    counts = people[people.department_id.notna()].groupby(["department_id", "year"]).size()
    staff_counts = {(d, int(y)): int(n) for (d, y), n in counts.items()}
    beds = departments.ward_beds(ctx, depts, seen.wards, bed_stats)
    area = departments.areas(ctx, depts, beds, seen.clinics)
    yield "departments", departments.departments_table(ctx, depts, beds, area, staff_counts)
    yearly = pay.annual_pay(ctx, people, finance, seen.income)
    pay_table, dept_pay = pay.staff_pay_table(ctx, yearly)
    cost_table = costs.department_costs_table(
        ctx, depts, act, dept_pay, finance, area, staff_counts
    )
    yield "department_costs", cost_table
    lines, adjustments, actuals = budget.budget_tables(
        ctx, cost_table, seen.clinics, seen.wards, finance
    )
    yield "budget_lines", lines
    yield "budget_adjustments", adjustments
    yield "budget_actuals", actuals
    yield "staff_pay", pay_table
    yield "performance_pay_envelopes", pay.envelopes_table(ctx, yearly, finance)
