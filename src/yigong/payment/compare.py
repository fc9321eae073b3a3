"""What-if (政策模拟): the same year under two policies, difference per community and institution.

Both runs use identical inputs; each row gives a measure under policy A, under policy B, and
B − A. Institution rows are what each institution receives (budget: claims settled to it;
DIP/DRG: its settlement), so a policy change that only moves money between the fund and the
communities shows zero difference for institutions — which is itself worth seeing.
"""

from __future__ import annotations

from dataclasses import dataclass

from yigong.payment.budget import settle_budget
from yigong.payment.ledger import Ledger
from yigong.payment.policy import Policy
from yigong.payment.records import BudgetInputs
from yigong.schema.money import Money

__all__ = ["COMMUNITY_MEASURES", "ComparisonRow", "compare_budget", "compare_ledgers"]

COMMUNITY_MEASURES = (
    "quota",
    "prepaid",
    "released",
    "retained",
    "fund_share",
    "community_borne",
    "final_payment",
    "quality_returned",
    "net_position",
)


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    scope: str  # community | institution
    subject: str
    measure: str
    policy_a: Money
    policy_b: Money
    difference: Money


def compare_ledgers(a: Ledger, b: Ledger, measure: str) -> list[ComparisonRow]:
    """What each ``institution:*`` account received under A and under B."""
    bal_a, bal_b = a.balances(), b.balances()
    ids = sorted({k for k in (*bal_a, *bal_b) if k.startswith("institution:")})
    rows = []
    for acct in ids:
        va, vb = bal_a.get(acct, Money.zero()), bal_b.get(acct, Money.zero())
        rows.append(
            ComparisonRow(
                "institution", acct.removeprefix("institution:"), measure, va, vb, vb - va
            )
        )
    return rows


def compare_budget(inputs: BudgetInputs, policy_a: Policy, policy_b: Policy) -> list[ComparisonRow]:
    ra, rb = settle_budget(inputs, policy_a), settle_budget(inputs, policy_b)
    rows = []
    for ca, cb in zip(ra.communities, rb.communities, strict=True):
        for measure in COMMUNITY_MEASURES:
            va, vb = getattr(ca, measure), getattr(cb, measure)
            rows.append(ComparisonRow("community", ca.community_id, measure, va, vb, vb - va))
    return rows + compare_ledgers(ra.ledger, rb.ledger, "budget_paid")
