"""What-if (政策模拟): the same year under two policies, difference per community and institution.

Both runs use identical inputs; each row gives a measure under policy A, under policy B, and
B − A. Institution rows are what each institution receives (budget: claims settled to it;
DIP/DRG: its settlement), so a policy change that only moves money between the fund and the
communities shows zero difference for institutions — which is itself worth seeing. Fund rows
show the other side of that move: what each reserve set aside, what the risk fund paid, what
lapsed from the quality fund, what the fund carries forward and what it holds at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

from yigong.payment.budget import settle_budget
from yigong.payment.ledger import Ledger
from yigong.payment.policy import Policy
from yigong.payment.records import BudgetInputs
from yigong.schema.money import Money

__all__ = [
    "COMMUNITY_MEASURES",
    "FUND_MEASURES",
    "ComparisonRow",
    "compare_budget",
    "compare_ledgers",
    "fund_measures",
]

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


#: fund-side measures (what the county fund sets aside, pays from reserves, keeps)
FUND_MEASURES = (
    "reserve.risk_adjustment",
    "reserve.quality_guarantee",
    "reserve.major_illness",
    "risk_fund_used",
    "quality_lapse",
    "carry_forward",
    "fund_closing",
)


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    scope: str  # community | institution | fund
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


def fund_measures(ledger: Ledger) -> dict[str, Money]:
    """The fund side of a budget run, from its ledger: reserves set aside, risk fund paid out
    (overspend shares, out-of-county care not charged to quotas), quality fund lapsed, what the
    fund carries forward, and everything the fund still holds at year end (``fund:*``)."""
    out = {m: Money.zero() for m in FUND_MEASURES}
    for line in ledger.lines:
        if line.amount.is_negative:
            continue  # each transfer once: by its receiving line
        if line.rule_id.startswith("reserve."):
            out[line.rule_id] += line.amount
        elif line.counterparty == "fund:reserve:risk_adjustment":
            out["risk_fund_used"] += line.amount
        elif line.rule_id == "quality.lapse":
            out["quality_lapse"] += line.amount
    balances = ledger.balances()
    out["carry_forward"] = balances.get("fund:carry_forward", Money.zero())
    out["fund_closing"] = Money.sum([b for a, b in balances.items() if a.startswith("fund:")])
    return out


def compare_budget(inputs: BudgetInputs, policy_a: Policy, policy_b: Policy) -> list[ComparisonRow]:
    ra, rb = settle_budget(inputs, policy_a), settle_budget(inputs, policy_b)
    fa, fb = fund_measures(ra.ledger), fund_measures(rb.ledger)
    rows = [ComparisonRow("fund", "fund", m, fa[m], fb[m], fb[m] - fa[m]) for m in FUND_MEASURES]
    for ca, cb in zip(ra.communities, rb.communities, strict=True):
        for measure in COMMUNITY_MEASURES:
            va, vb = getattr(ca, measure), getattr(cb, measure)
            rows.append(ComparisonRow("community", ca.community_id, measure, va, vb, vb - va))
    return rows + compare_ledgers(ra.ledger, rb.ledger, "budget_paid")
