"""Per-head payment of outpatient care under family-doctor contracts (门诊按人头付费).

[H] "pay per head for outpatient services"; [S] "explore … outpatient payment per head". The
contracting institution of a family-doctor team is paid ``annual_rate`` (the policy's
``simple.per_head_outpatient``) per contracted person and year, a twelfth for each month in
which the contract is in force (any day of the month). Each institution-month is rounded once:
payment = annual rate × persons under contract that month ÷ 12, to the fen.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from yigong.payment.errors import PaymentInputError
from yigong.payment.ledger import Ledger
from yigong.payment.method_result import MethodResult, post_monthly, totals
from yigong.payment.policy_casemix import PerHeadPolicy
from yigong.rulepacks import Issue, Level
from yigong.schema.money import Money
from yigong.schema.rounding import CONTEXT, RoundingRule, divide, in_context

__all__ = ["HeadCount", "HeadPayment", "settle_per_head"]


@dataclass(frozen=True, slots=True)
class HeadCount:
    """Persons under a family-doctor contract of one institution in one month."""

    institution_id: str
    level: str
    month: int
    persons: int


@dataclass(frozen=True, slots=True)
class HeadPayment:
    institution_id: str
    level: str
    month: int
    persons: int
    annual_rate: Decimal
    payment: Money


@in_context
def settle_per_head(
    counts: Sequence[HeadCount], policy: PerHeadPolicy, year: int, rounding: RoundingRule
) -> MethodResult:
    """Pay each institution-month: annual rate × persons ÷ 12, rounded once to the fen."""
    if not counts:
        raise PaymentInputError([Issue(Level.ERROR, "per_head.empty",
                                       "no contracted persons in the year", "per_head_counts")])  # fmt: skip
    seen = Counter((c.institution_id, c.month) for c in counts)
    bad: list[Issue] = []
    for i, c in enumerate(counts):
        where = ("per_head_counts", i + 2)
        if seen[(c.institution_id, c.month)] > 1:
            bad.append(Issue(Level.ERROR, "per_head.duplicate",
                             f"{c.institution_id} month {c.month} listed twice", *where, "month"))  # fmt: skip
        if not 1 <= c.month <= 12:
            bad.append(Issue(Level.ERROR, "per_head.month", f"month {c.month} outside 1-12",
                             *where, "month"))  # fmt: skip
        if c.persons < 0:
            bad.append(Issue(Level.ERROR, "per_head.persons", f"persons {c.persons} < 0",
                             *where, "persons"))  # fmt: skip
    if bad:
        raise PaymentInputError(bad)
    rate = policy.annual_rate
    details, amounts, inputs = [], {}, {}
    for c in sorted(counts, key=lambda x: (x.institution_id, x.month)):
        pay = Money.of(divide(CONTEXT.multiply(rate, c.persons), 12), rounding)
        details.append(HeadPayment(c.institution_id, c.level, c.month, c.persons, rate, pay))
        amounts[(c.institution_id, c.month)] = pay
        inputs[(c.institution_id, c.month)] = {"cases": c.persons, "persons": c.persons,
                                               "annual_rate": rate}  # fmt: skip
    ledger = Ledger()
    post_monthly(ledger, year, "per_head.settle", policy.clause, amounts, inputs)
    inst = totals([(d.institution_id, d.level, 0, Decimal(d.persons), d.payment) for d in details])
    persons = {d.institution_id: max(x.persons for x in details if x.institution_id == d.institution_id)
               for d in details}  # fmt: skip
    return MethodResult("per_head", year, tuple(details), inst, ledger,
                        {"institutions": len(inst), "max_persons": sum(persons.values())})  # fmt: skip
