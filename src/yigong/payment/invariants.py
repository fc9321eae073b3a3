"""Conservation checks (资金守恒), run after every settlement and by the property tests.

Money in = money out + balances: the only source of money is ``external:fund_income``; every
other account's balance is either money paid out (institutions, outside providers) or money
still held (reserves, carry-forward, community accounts). With double entry this reduces to
checks a bug would break: lines sum to zero, the fund income equals the annual fund, earmarks
(pool, quotas, withheld) are empty after year end, and each community's net position equals
retained surplus + fund share of overspend − overspend + quality return.
"""

from __future__ import annotations

from yigong.payment.budget import BudgetResult
from yigong.schema.money import Money

__all__ = ["budget_violations"]


def budget_violations(result: BudgetResult, annual_fund: Money) -> list[str]:
    """Human-readable descriptions of every broken invariant (empty: all hold)."""
    out: list[str] = []
    ledger = result.ledger
    total = Money.sum([line.amount for line in ledger.lines])
    if not total.is_zero:
        out.append(f"ledger lines sum to {total}, not 0")
    balances = ledger.balances()
    if balances.get("external:fund_income", Money.zero()) != -annual_fund:
        out.append(f"fund income {balances.get('external:fund_income')} != -{annual_fund}")
    inflow = -balances.get("external:fund_income", Money.zero())
    held_or_paid = Money.sum([b for a, b in balances.items() if a != "external:fund_income"])
    if inflow != held_or_paid:
        out.append(f"money in {inflow} != money out + balances {held_or_paid}")
    for account, bal in balances.items():
        if (
            account == "fund:pool" or account.startswith(("fund:quota:", "fund:withheld:"))
        ) and not bal.is_zero:
            out.append(f"{account} not closed: {bal}")
    quotas = Money.sum([c.quota for c in result.communities])
    set_aside = Money.sum(
        [
            ln.amount
            for ln in ledger.lines
            if ln.rule_id.startswith("reserve.") and ln.amount.amount > 0
        ]
    )
    if quotas != annual_fund - set_aside:
        out.append(f"quotas {quotas} != annual fund {annual_fund} - reserves {set_aside}")
    for c in result.communities:
        expected = c.retained + c.fund_share - c.overspend + c.quality_returned
        if c.net_position != expected:
            out.append(f"community {c.community_id}: net {c.net_position} != expected {expected}")
        if (
            c.surplus.is_negative
            or c.overspend.is_negative
            or not (c.surplus.is_zero or c.overspend.is_zero)
        ):
            out.append(
                f"community {c.community_id}: surplus {c.surplus} and overspend {c.overspend} inconsistent"
            )
        if c.expenditure + c.surplus - c.overspend != c.quota:
            out.append(
                f"community {c.community_id}: quota {c.quota} != expenditure + surplus - overspend"
            )
    return out
