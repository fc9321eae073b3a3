"""Consolidated budget statement of a medical community (医共体合并预算执行表).

[N] asks for unified finance and accounting of the medical community. The statement sums the
executed budget lines of the member institutions account by account: approved, adjusted,
executed to date, execution rate, and revenue − expense. No internal transactions between
members are in the data (no internal settlement table), so nothing is eliminated; a
community that settles internally must add those flows before consolidating.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from yigong.operations.budget import LineExecution
from yigong.schema.codes_operations import BUDGET_ACCOUNT, is_revenue_account
from yigong.schema.money import Money
from yigong.schema.rounding import divide

__all__ = ["ConsolidatedRow", "consolidate"]


@dataclass(frozen=True)
class ConsolidatedRow:
    account: str  # an account code, or "balance" (revenue − expense)
    institutions: int
    approved: Money
    adjusted: Money
    executed: Money
    execution_rate: Decimal | None


def consolidate(lines: Iterable[LineExecution]) -> list[ConsolidatedRow]:
    """One row per account (in the accounts' order), then the balance row."""
    sums: dict[str, list[Money]] = {}
    members: dict[str, set[str]] = {}
    for x in lines:
        acc = x.line.account
        s = sums.setdefault(acc, [Money.zero(), Money.zero(), Money.zero()])
        s[0] += x.line.annual
        s[1] += x.adjusted_annual
        s[2] += x.cumulative_actual
        members.setdefault(acc, set()).add(x.line.institution_id)
    rows = []
    balance = [Money.zero(), Money.zero(), Money.zero()]
    for acc in (a for a in BUDGET_ACCOUNT if a in sums):
        approved, adjusted, executed = sums[acc]
        sign = 1 if is_revenue_account(acc) else -1
        for i, v in enumerate((approved, adjusted, executed)):
            balance[i] = balance[i] + v if sign > 0 else balance[i] - v
        rate = None if adjusted.is_zero else divide(executed.amount, adjusted.amount).quantize(
            Decimal("0.0001"))  # fmt: skip
        rows.append(ConsolidatedRow(acc, len(members[acc]), approved, adjusted, executed, rate))
    every = set().union(*members.values()) if members else set()
    rows.append(ConsolidatedRow("balance", len(every), *balance, None))
    return rows
