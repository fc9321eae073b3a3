"""Budget execution: adjusted plans to the fen, alerts at the policy's thresholds, trails, and
the consolidated statement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from yigong.operations.budget import Adjustment, BudgetLine, execute_budget
from yigong.operations.consolidate import consolidate
from yigong.operations.loader import load_operations_policy
from yigong.schema.money import Money

POLICY = load_operations_policy().budget
M = Money.of


def _line(line_id: str, account: str, months: list[str], inst: str = "H1") -> BudgetLine:
    plan = tuple(M(x) for x in months)
    return BudgetLine(line_id, inst, None, 2024, account, Money.sum(list(plan)), plan,
                      date(2024, 1, 10), "预算管理委员会")  # fmt: skip


def test_approved_adjustments_spread_over_the_remaining_months() -> None:
    line = _line("L1", "expense_personnel", ["100"] * 12)
    adj = [
        Adjustment("A1", "L1", 10, M("100.00"), "approved", "more staff", date(2024, 9, 20),
                   "科室", date(2024, 9, 30), "委员会"),
        Adjustment("A2", "L1", 3, M("50"), "rejected", "no", date(2024, 2, 1)),
    ]  # fmt: skip
    x = execute_budget([line], adj, [], POLICY).lines[0]
    assert [m.plan for m in x.months][8:] == [M("100"), M("133.34"), M("133.33"), M("133.33")]
    assert x.adjusted_annual == M("1300")
    trail = [(t.when.isoformat(), t.what, t.reference) for t in x.trail]
    assert trail == [("2024-01-10", "approved", "L1"),
                     ("2024-02-01", "adjustment requested", "A2"),
                     ("2024-09-20", "adjustment requested", "A1"),
                     ("2024-09-30", "adjustment approved", "A1")]  # fmt: skip
    assert x.trail[1].note == "no (rejected)"


def test_month_and_progress_alerts() -> None:
    line = _line("L1", "expense_drugs", ["1200"] * 12)
    actuals = [("L1", 1, M("1200")), ("L1", 2, M("1330")), ("L1", 3, M("1500"))]
    x = execute_budget([line], [], actuals, POLICY).lines[0]
    levels = {(a.kind, a.month): (a.level, a.direction) for a in x.alerts}
    assert levels[("month", 2)] == ("warn", "over")  # +10.83 %
    assert levels[("month", 3)] == ("alert", "over")  # +25 %
    assert ("month", 1) not in levels
    # 4030 of 14400 after 3 of 12 months: 27.99 % vs 25.00 % elapsed: below the 5-point warning
    assert x.execution_rate == Decimal("0.2799") and x.elapsed == Decimal("0.2500")
    assert ("cumulative", 3) not in levels


def test_revenue_running_under_is_flagged_under() -> None:
    line = _line("R1", "revenue_inpatient", ["1000"] * 12)
    actuals = [("R1", m, M("800")) for m in range(1, 7)]
    x = execute_budget([line], [], actuals, POLICY).lines[0]
    cumulative = [a for a in x.alerts if a.kind == "cumulative"][0]
    assert (cumulative.level, cumulative.direction) == ("alert", "under")  # 40 % vs 50 %


def test_consolidated_statement_sums_accounts_and_balances() -> None:
    lines = [_line("R1", "revenue_inpatient", ["1000"] * 12, "H1"),
             _line("R2", "revenue_inpatient", ["500"] * 12, "T1"),
             _line("E1", "expense_personnel", ["700"] * 12, "H1")]  # fmt: skip
    actuals = [("R1", 1, M("900")), ("R2", 1, M("450")), ("E1", 1, M("800"))]
    rows = {r.account: r for r in consolidate(execute_budget(lines, [], actuals, POLICY).lines)}
    assert (
        rows["revenue_inpatient"].executed == M("1350")
        and rows["revenue_inpatient"].institutions == 2
    )
    assert rows["balance"].approved == M("18000") - M("8400")
    assert rows["balance"].executed == M("550")
