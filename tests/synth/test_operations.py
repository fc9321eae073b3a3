"""The synthetic operations tables agree with the rows they are made of, to the fen."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pyarrow as pa

from yigong.schema.operations_tables import COST_ELEMENT_COLUMNS, PAY_ITEM_COLUMNS


def _sum(rows: list[dict], *cols: str) -> Decimal:
    return sum((r[c] for r in rows for c in cols), Decimal(0))


def test_department_costs_add_up_to_the_finance_report(tiny_tables: dict[str, pa.Table]) -> None:
    costs = defaultdict(Decimal)
    for r in tiny_tables["department_costs"].to_pylist():
        costs[(r["institution_id"], r["year"])] += sum(r[c] for c in COST_ELEMENT_COLUMNS)
    finance = {(r["institution_id"], r["year"]): r for r in tiny_tables["finance"].to_pylist()}
    assert costs
    for key, total in costs.items():
        f = finance[key]
        spent = f["business_expenditure"] + f["admin_expenditure"]
        assert total >= spent, key  # equal unless the rest floor (6 %) applies
        personnel = _sum(
            [r for r in tiny_tables["department_costs"].to_pylist()
             if (r["institution_id"], r["year"]) == key],
            "cost_personnel",
        )  # fmt: skip
        assert personnel == f["personnel_expenditure"], key


def test_every_discharge_finds_its_ward(tiny_tables: dict[str, pa.Table]) -> None:
    wards = {
        (r["institution_id"], r["name_zh"])
        for r in tiny_tables["departments"].to_pylist()
        if r["setting"] == "inpatient"
    }
    stays = tiny_tables["discharges"].select(["institution_id", "department"]).to_pylist()
    assert all((s["institution_id"], s["department"]) in wards for s in stays)


def test_ward_drugs_are_the_patients_drug_charges(tiny_tables: dict[str, pa.Table]) -> None:
    names = {
        r["department_id"]: (r["institution_id"], r["name_zh"])
        for r in tiny_tables["departments"].to_pylist()
        if r["setting"] == "inpatient"
    }
    charged = defaultdict(Decimal)
    for s in tiny_tables["discharges"].to_pylist():
        key = (s["institution_id"], s["department"], s["discharge_date"].year,
               s["discharge_date"].month)  # fmt: skip
        charged[key] += s["cost_western_drugs"] + s["cost_patent_drugs"] + s["cost_herbal_drugs"]
    for r in tiny_tables["department_costs"].to_pylist():
        if r["department_id"] in names:
            inst, name = names[r["department_id"]]
            assert r["cost_drugs"] == charged.get((inst, name, r["year"], r["month"]), 0)


def test_budget_actuals_are_the_department_costs(tiny_tables: dict[str, pa.Table]) -> None:
    lines = {r["line_id"]: r for r in tiny_tables["budget_lines"].to_pylist()}
    actual = defaultdict(Decimal)
    for r in tiny_tables["budget_actuals"].to_pylist():
        line = lines[r["line_id"]]
        if line["account"] == "expense_personnel":
            actual[(line["department_id"], r["year"], r["month"])] += r["actual_amount"]
    for r in tiny_tables["department_costs"].to_pylist():
        got = actual.get((r["department_id"], r["year"], r["month"]), Decimal(0))
        assert got == r["cost_personnel"]


def test_monthly_plans_add_up_to_the_annual_budget(tiny_tables: dict[str, pa.Table]) -> None:
    for r in tiny_tables["budget_lines"].to_pylist():
        assert sum(r[f"plan_m{m:02d}"] for m in range(1, 13)) == r["annual_amount"]


def test_paid_staff_are_on_the_staff_snapshot(tiny_tables: dict[str, pa.Table]) -> None:
    staff = {
        (r["institution_id"], r["staff_id_number"], r["snapshot_date"].year)
        for r in tiny_tables["staff"].to_pylist()
    }
    pay = tiny_tables["staff_pay"].to_pylist()
    assert pay
    assert all((p["institution_id"], p["staff_id_number"], p["year"]) in staff for p in pay)
    assert all(sum(p[c] for c in PAY_ITEM_COLUMNS) > 0 for p in pay)
    assert any(p["family_doctor_fee"] > 0 for p in pay)


def test_envelopes_cover_hospitals_and_township_centres(tiny_tables: dict[str, pa.Table]) -> None:
    kinds = {
        r["institution_id"]: r["institution_type"] for r in tiny_tables["institutions"].to_pylist()
    }
    env = tiny_tables["performance_pay_envelopes"].to_pylist()
    assert {kinds[e["institution_id"]] for e in env} == {
        "county_general",
        "county_tcm",
        "township_centre",
    }
