"""Per bed-day payment (按床日付费) of psychiatric, rehabilitation and long stays.

[H] "Explore pay per bed per day … and scientifically formulate payment standards"; [S]
"explore bed-based payment". The policy's ``simple.per_bed_day`` (``per-bed-day-and-per-head
.yaml``) names the categories of stays paid this way, tried in order — psychiatric and
rehabilitation by the principal diagnosis (ICD-10 prefixes), long stays by their length — and
the bed-day standard of each category per institution level; a stay that fits none is paid the
general standard (``rates``).

Per stay: bed-days = length of stay (a same-day stay counts one day); paid days = at most
``max_days``; payment = standard × paid days + standard × ``excess_share`` × days beyond,
rounded once to the fen. Each institution is paid its stays per month of discharge.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from yigong.payment.dip_catalog import norm_code
from yigong.payment.errors import PaymentInputError
from yigong.payment.ledger import Ledger
from yigong.payment.method_result import MethodResult, post_monthly, totals
from yigong.payment.policy_casemix import BedDayCategory, BedDayPolicy
from yigong.rulepacks import Issue, Level
from yigong.schema.money import Money
from yigong.schema.rounding import CONTEXT, RoundingRule, in_context

__all__ = ["BedDayCase", "BedDayStay", "bed_day_category", "settle_bed_days"]

GENERAL = "general"


@dataclass(frozen=True, slots=True)
class BedDayStay:
    """A stay paid per bed-day: principal diagnosis, length of stay, month of discharge."""

    case_id: str
    institution_id: str
    level: str
    diagnosis: str
    los: int
    month: int


@dataclass(frozen=True, slots=True)
class BedDayCase:
    """How one stay was paid: its category, standard, days paid in full and beyond."""

    case_id: str
    institution_id: str
    level: str
    category: str
    rate: Decimal
    bed_days: int
    days_paid: int
    days_beyond: int
    excess_share: Decimal
    payment: Money


def bed_day_category(stay: BedDayStay, policy: BedDayPolicy) -> tuple[str, BedDayCategory | None]:
    """The first category the stay fits (diagnosis prefix or length), else the general one."""
    dx = norm_code(stay.diagnosis)
    for key, cat in policy.categories.items():
        if any(dx.startswith(norm_code(p)) for p in cat.diagnoses):
            return key, cat
        if cat.min_los is not None and stay.los >= cat.min_los and not cat.diagnoses:
            return key, cat
    return GENERAL, None


def _issues(stays: Sequence[BedDayStay], policy: BedDayPolicy, year: int) -> list[Issue]:
    out = []
    ids = Counter(s.case_id for s in stays)
    for i, s in enumerate(stays):
        where = ("bed_day_stays", i + 2)
        if ids[s.case_id] > 1:
            out.append(Issue(Level.ERROR, "bed_day.duplicate", f"stay {s.case_id} listed twice",
                             *where, "case_id"))  # fmt: skip
        if s.los < 0:
            out.append(Issue(Level.ERROR, "bed_day.los", f"stay {s.case_id}: los {s.los} < 0",
                             *where, "los"))  # fmt: skip
        if not 1 <= s.month <= 12:
            out.append(Issue(Level.ERROR, "bed_day.month", f"stay {s.case_id}: month {s.month}",
                             *where, "month"))  # fmt: skip
        key, cat = bed_day_category(s, policy)
        rates = policy.rates if cat is None else cat.rates
        if s.level not in rates:
            out.append(Issue(Level.ERROR, "bed_day.level",
                             f"stay {s.case_id}: no {key} bed-day standard for level {s.level!r} "
                             f"(simple.per_bed_day of the policy, {year})", *where, "level"))  # fmt: skip
    return out


@in_context
def settle_bed_days(
    stays: Sequence[BedDayStay], policy: BedDayPolicy, year: int, rounding: RoundingRule
) -> MethodResult:
    """Pay every stay by its category's bed-day standard; one transfer per institution-month."""
    if not stays:
        raise PaymentInputError(
            [Issue(Level.ERROR, "bed_day.empty", "no stays paid per bed-day", "bed_day_stays")]
        )
    problems = _issues(stays, policy, year)
    if problems:
        raise PaymentInputError(problems)
    cases: list[BedDayCase] = []
    amounts: defaultdict[tuple[str, int], Money] = defaultdict(Money.zero)
    inputs: dict[tuple[str, int], dict[str, object]] = {}
    for s in sorted(stays, key=lambda x: x.case_id):
        key, cat = bed_day_category(s, policy)
        rate = (policy.rates if cat is None else cat.rates)[s.level]
        days = max(s.los, 1)
        cap = None if cat is None else cat.max_days
        paid_days = days if cap is None else min(days, cap)
        beyond = days - paid_days
        share = Decimal(0) if cat is None else cat.excess_share
        exact = CONTEXT.add(
            CONTEXT.multiply(rate, paid_days),
            CONTEXT.multiply(CONTEXT.multiply(rate, share), beyond),
        )
        pay = Money.of(exact, rounding)
        cases.append(BedDayCase(s.case_id, s.institution_id, s.level, key, rate, days, paid_days,
                                beyond, share, pay))  # fmt: skip
        k = (s.institution_id, s.month)
        amounts[k] += pay
        row = inputs.setdefault(k, {"cases": 0, "bed_days": 0})
        row["cases"] = int(str(row["cases"])) + 1
        row["bed_days"] = int(str(row["bed_days"])) + days
    ledger = Ledger()
    post_monthly(ledger, year, "bed_day.settle", policy.clause, amounts, inputs)
    inst = totals([(c.institution_id, c.level, 1, Decimal(c.bed_days), c.payment) for c in cases])
    return MethodResult("per_bed_day", year, tuple(cases), inst, ledger,
                        dict(Counter(c.category for c in cases)))  # fmt: skip
