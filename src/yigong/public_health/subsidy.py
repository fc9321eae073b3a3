"""The village clinics' public-health subsidy: assessment score × workload → share of the fund.

[N] part three (3): tasks entrusted to village clinics, "and corresponding subsidies will be
granted based on the assessment results". The fund for the village clinics (of a county or a
township, one year) is shared by the clinics in proportion to

    weight = assigned standardised workload × score ÷ max score   (0 below the score floor)

split to the fen by the largest-remainder method (`yigong.schema.money.allocate`), so the
shares add up exactly to the fund. Every payment is a ledger transfer (as in `payment`) from
the fund's account to the clinic's, carrying the rule, the clause and the inputs. When no clinic
qualifies the fund stays unallocated (one transfer to ``fund:public_health:unallocated``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from yigong.payment.ledger import Ledger
from yigong.public_health.assessment import Assessment
from yigong.public_health.spec import PublicHealthRules
from yigong.schema.money import Money, allocate

__all__ = ["SubsidyLine", "SubsidyRun", "allocate_subsidy"]

RULE_ID = "public_health.village_subsidy"
UNALLOCATED = "fund:public_health:unallocated"


@dataclass(frozen=True)
class SubsidyLine:
    """One clinic's subsidy and how it was reached."""

    institution_id: str
    score: Decimal
    workload_assigned: Decimal
    weight: Decimal
    amount: Money
    qualified: bool


@dataclass
class SubsidyRun:
    """The fund, the clinics' lines and the ledger of one allocation."""

    fund: Money
    account: str
    period: str
    lines: list[SubsidyLine]
    ledger: Ledger

    @property
    def paid(self) -> Money:
        return Money.sum([ln.amount for ln in self.lines])

    @property
    def unallocated(self) -> Money:
        return self.fund - self.paid


def allocate_subsidy(
    rules: PublicHealthRules,
    fund: Money,
    clinics: list[Assessment],
    *,
    account: str,
    period: str,
    date: str,
) -> SubsidyRun:
    """Share ``fund`` among ``clinics`` (their assessments of one year) by the subsidy rule."""
    top, floor = rules.assessment.max_score, rules.subsidy.score_floor
    clinics = sorted(clinics, key=lambda a: a.institution_id)
    weights = [
        a.workload_assigned * a.score / top if a.score >= floor else Decimal(0) for a in clinics
    ]
    ledger = Ledger()
    clause = rules.subsidy.clause
    if fund.is_zero or not any(w > 0 for w in weights):
        amounts = [Money.zero() for _ in clinics]
        ledger.transfer(
            date=date, period=period, source=account, target=UNALLOCATED, amount=fund,
            rule_id=RULE_ID, clause=clause,
            inputs={"fund": fund, "clinics": len(clinics), "qualified": 0},
            memo="no clinic reached the score floor",
        )  # fmt: skip
    else:
        amounts = allocate(fund, weights)
    total_weight = sum(weights, Decimal(0))
    lines = []
    for a, w, amount in zip(clinics, weights, amounts, strict=True):
        lines.append(SubsidyLine(a.institution_id, a.score, a.workload_assigned, w, amount, w > 0))
        ledger.transfer(
            date=date,
            period=period,
            source=account,
            target=f"institution:{a.institution_id}",
            amount=amount,
            rule_id=RULE_ID,
            clause=clause,
            inputs={
                "fund": fund,
                "score": a.score,
                "score_floor": floor,
                "workload_assigned": a.workload_assigned,
                "weight": w,
                "total_weight": total_weight,
            },
            memo=f"score {a.score} × workload {a.workload_assigned}",
        )
    return SubsidyRun(fund, account, period, lines, ledger)
