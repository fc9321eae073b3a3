"""Statements per community and period (医共体月度结算单), derived from the ledger alone.

A row shows, for one community and one period (``YYYY-MM`` or ``YYYY-YE`` for year-end), the
community's cash account (opening, each movement by rule, closing) and what is left of its
quota in the fund (quota + withheld earmarks). Because rows are sums of ledger lines, a
statement can never disagree with the ledger.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from yigong.payment.ledger import LedgerLine
from yigong.schema.money import Money

__all__ = ["COLUMNS", "StatementRow", "community_statements"]

#: statement column ← rule id (movements on the community's own account)
COLUMNS: dict[str, str] = {
    "prepaid": "prepay.monthly",
    "released": "assess.quarterly_release",
    "claims_paid": "claims.in_county",
    "year_end_settlement": "reconcile.final",
    "overspend_share": "reconcile.overspend_share",
    "quality_return": "quality.return",
    "out_of_county_deducted": "prepay.out_of_county_deduction",
}


@dataclass(frozen=True, slots=True)
class StatementRow:
    community_id: str
    period: str
    opening: Money
    movements: dict[str, Money]
    out_of_county_charged: Money
    closing: Money
    quota_remaining: Money


def _community_of(account: str) -> tuple[str, str] | None:
    for prefix, kind in (
        ("community:", "cash"),
        ("fund:quota:", "quota"),
        ("fund:withheld:", "quota"),
    ):
        if account.startswith(prefix):
            return account.removeprefix(prefix), kind
    return None


def community_statements(
    lines: list[LedgerLine], communities: list[str], periods: list[str]
) -> list[StatementRow]:
    """One row per community and period, in community then period order."""
    cash: dict[tuple[str, str, str], Money] = defaultdict(Money.zero)
    quota: dict[tuple[str, str], Money] = defaultdict(Money.zero)
    outside: dict[tuple[str, str], Money] = defaultdict(Money.zero)
    for line in lines:
        found = _community_of(line.account)
        if found is None:
            continue
        cid, kind = found
        if kind == "cash":
            cash[(cid, line.period, line.rule_id)] += line.amount
        else:
            quota[(cid, line.period)] += line.amount
            if line.rule_id == "claims.out_of_county.charged":
                outside[(cid, line.period)] -= line.amount
    rows = []
    for cid in communities:
        balance, remaining = Money.zero(), Money.zero()
        for period in periods:
            moves = {col: cash[(cid, period, rule)] for col, rule in COLUMNS.items()}
            closing = balance + Money.sum(list(moves.values()))
            remaining = remaining + quota[(cid, period)]
            rows.append(
                StatementRow(
                    cid, period, balance, moves, outside[(cid, period)], closing, remaining
                )
            )
            balance = closing
    return rows
