"""Operations services and `yigong ops` on the tiny synthetic county (warehouse, DRG-grouped)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from tests.operations.conftest import SCHEME
from yigong.cli.main import app
from yigong.schema.money import Money
from yigong.services import operations as svc
from yigong.services.operations_pay import pay_checks, pay_distribution

COUNTY, YEAR = "130423", 2024


def test_drg_profit_and_loss_reconciles(tiny_db: Path) -> None:
    report = svc.drg_profit_and_loss(tiny_db, COUNTY, YEAR, scheme=SCHEME)
    assert report.reconciliation == ()
    assert report.payment_total == report.engine_total  # the payment engine's total
    assert report.case_cost_total == Money.from_fen(int(report.cases.cost.sum()))
    assert report.case_costs is not None and report.case_costs.reconciliation() == []
    rows = report.rows("group")
    assert Money.sum([r.cost for r in rows]) == report.case_cost_total
    assert any(r.profit.is_negative for r in rows) and any(not r.profit.is_negative for r in rows)
    by_doctor = report.rows("doctor")
    assert Money.sum([r.payment for r in by_doctor]) == Money.sum([r.payment for r in rows])


def test_dip_profit_and_loss_reconciles(tiny_db: Path) -> None:
    report = svc.dip_profit_and_loss(tiny_db, COUNTY, YEAR, scope="all_inpatient")
    assert report.reconciliation == () and report.payment_total == report.engine_total


def test_cost_allocation_and_its_ledger(tiny_db: Path) -> None:
    report = svc.cost_allocation(tiny_db, f"division:{COUNTY}", YEAR)
    assert report.direct_total == report.full_total
    assert not [i for i in report.issues if i.code == "allocation.conservation"]
    ward = next(d for d in report.departments if d.department_id.endswith("-I01"))
    lines = svc.allocation_ledger(report, ward.department_id, 3)
    assert lines and sum(Money.of(x["amount"]).fen for x in lines) == 0
    assert {x["rule"] for x in lines} <= {"allocation.administrative",
                                         "allocation.medical_support",
                                         "allocation.medical_technology"}  # fmt: skip


def test_budget_and_consolidation(tiny_db: Path) -> None:
    x = svc.budget_execution(tiny_db, f"division:{COUNTY}", YEAR, through_month=6)
    assert x.lines and all(e.through_month == 6 for e in x.lines)
    rows = svc.consolidated_budget(tiny_db, "C1304231", YEAR)
    assert rows[-1].account == "balance"


def test_pay_distribution_and_checks(tiny_db: Path) -> None:
    d = pay_distribution(tiny_db, "H13042300100", YEAR)
    assert Money.sum([s.entitled for s in d.staff]) == d.pool
    report = pay_checks(tiny_db, f"division:{COUNTY}", YEAR)
    fd = {c.institution_id: c.ok for c in report.checks if c.rule_id == "family_doctor"}
    assert fd == {"H13042300100": True, "H13042300101": False}  # the planted 62 % centre
    personnel = [c for c in report.checks if c.rule_id == "personnel_share"]
    assert personnel and all("PLACEHOLDER" in c.requirement for c in personnel)


def test_cli_exports_every_table_and_refuses_bad_input(tiny_db: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "pnl.xlsx"
    result = runner.invoke(app, ["ops", "drg-pnl", "--db", str(tiny_db), "--county", COUNTY,
                                 "--year", str(YEAR), "--scheme", SCHEME, "-o", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "reconciliation: payment" in result.output
    assert load_workbook(out).sheetnames == ["pnl", "reconciliation"]
    out = tmp_path / "budget.xlsx"
    result = runner.invoke(app, ["ops", "budget", "--db", str(tiny_db), "--node",
                                 f"division:{COUNTY}", "--year", str(YEAR), "-o", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert load_workbook(out).sheetnames == ["lines", "months", "alerts", "trail", "issues"]
    bad = runner.invoke(app, ["ops", "costs", "--db", str(tiny_db), "--node", "division:999999",
                              "--year", str(YEAR)])  # fmt: skip
    assert bad.exit_code == 2 and "no department costs" in bad.output
    assert "Traceback" not in bad.output
