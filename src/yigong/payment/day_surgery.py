"""Day-surgery payment (日间手术付费): a fixed standard per procedure, the same at every level.

[H] "Improve medical insurance payment policies for day surgery"; [S] "increase the proportion of
day surgery in elective surgery". The policy's ``simple.day_surgery`` holds the catalogue
(principal procedure → standard, 按病种定额) and the low-cost rule.

Per stay: a day-surgery stay whose principal procedure is in the catalogue is paid the
standard — the hospital keeps what it saves and bears what it spends beyond (同病同价); one
costing less than ``low_ratio`` × the standard is paid its cost. A day-surgery stay whose
procedure is not in the catalogue is paid its cost and listed (``not_in_catalogue``), so the
bureau sees what the catalogue misses. Each institution is paid per month of discharge.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from yigong.payment.errors import PaymentInputError
from yigong.payment.ledger import Ledger
from yigong.payment.method_result import MethodResult, post_monthly, totals
from yigong.payment.policy_casemix import DaySurgeryPolicy
from yigong.rulepacks import Issue, Level
from yigong.schema.money import Money
from yigong.schema.rounding import RoundingRule, in_context

__all__ = ["DaySurgeryCase", "DaySurgeryStay", "settle_day_surgery"]


@dataclass(frozen=True, slots=True)
class DaySurgeryStay:
    case_id: str
    institution_id: str
    level: str
    procedure: str
    cost: Money
    month: int


@dataclass(frozen=True, slots=True)
class DaySurgeryCase:
    case_id: str
    institution_id: str
    level: str
    procedure: str
    category: str  # standard | low | not_in_catalogue
    standard: Money | None
    cost: Money
    payment: Money


def _issues(stays: Sequence[DaySurgeryStay]) -> list[Issue]:
    out = []
    ids = Counter(s.case_id for s in stays)
    for i, s in enumerate(stays):
        where = ("day_surgery_stays", i + 2)
        if ids[s.case_id] > 1:
            out.append(Issue(Level.ERROR, "day_surgery.duplicate", f"stay {s.case_id} listed twice",
                             *where, "case_id"))  # fmt: skip
        if s.cost.is_negative:
            out.append(Issue(Level.ERROR, "day_surgery.cost", f"stay {s.case_id}: cost < 0",
                             *where, "cost"))  # fmt: skip
        if not 1 <= s.month <= 12:
            out.append(Issue(Level.ERROR, "day_surgery.month", f"stay {s.case_id}: month {s.month}",
                             *where, "month"))  # fmt: skip
    return out


@in_context
def settle_day_surgery(
    stays: Sequence[DaySurgeryStay], policy: DaySurgeryPolicy, year: int, rounding: RoundingRule
) -> MethodResult:
    """Pay every day-surgery stay its procedure's standard (or its cost, see the module)."""
    if not stays:
        raise PaymentInputError([Issue(Level.ERROR, "day_surgery.empty",
                                       "no stays paid by day surgery", "day_surgery_stays")])  # fmt: skip
    problems = _issues(stays)
    if problems:
        raise PaymentInputError(problems)
    cases: list[DaySurgeryCase] = []
    amounts: defaultdict[tuple[str, int], Money] = defaultdict(Money.zero)
    inputs: dict[tuple[str, int], dict[str, object]] = {}
    for s in sorted(stays, key=lambda x: x.case_id):
        item = policy.standard(s.procedure)
        if item is None:
            category, standard, pay = "not_in_catalogue", None, s.cost
        else:
            standard = Money.of(item.standard, rounding)
            if s.cost < standard.scale(policy.low_ratio, rounding):
                category, pay = "low", s.cost
            else:
                category, pay = "standard", standard
        cases.append(DaySurgeryCase(s.case_id, s.institution_id, s.level, s.procedure, category,
                                    standard, s.cost, pay))  # fmt: skip
        k = (s.institution_id, s.month)
        amounts[k] += pay
        row = inputs.setdefault(k, {"cases": 0, "cost": Money.zero()})
        row["cases"] = int(str(row["cases"])) + 1
        cost = row["cost"]
        assert isinstance(cost, Money)
        row["cost"] = s.cost + cost
    ledger = Ledger()
    post_monthly(ledger, year, "day_surgery.settle", policy.clause, amounts, inputs)
    inst = totals([(c.institution_id, c.level, 1, Decimal(1), c.payment) for c in cases])
    return MethodResult("day_surgery", year, tuple(cases), inst, ledger,
                        dict(Counter(c.category for c in cases)))  # fmt: skip
