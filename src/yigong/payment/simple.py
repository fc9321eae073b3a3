"""Per bed-day (按床日) and per-head outpatient (门诊按人头) payment: simple policies.

* bed-day payment = bed-days × the level's rate per bed-day;
* per-head payment = persons × annual rate × months ÷ 12 (a partial year pays pro rata),
  rounded once to the fen.
"""

from __future__ import annotations

from yigong.payment.errors import PaymentInputError
from yigong.payment.policy_casemix import BedDayPolicy, PerHeadPolicy
from yigong.rulepacks import Issue, Level
from yigong.schema.money import Money
from yigong.schema.rounding import CONTEXT, DEFAULT_RULE, RoundingRule, divide, in_context

__all__ = ["bed_day_payment", "per_head_payment"]


@in_context
def bed_day_payment(
    level: str, bed_days: int, policy: BedDayPolicy, rounding: RoundingRule = DEFAULT_RULE
) -> Money:
    if level not in policy.rates:
        raise PaymentInputError(
            [
                Issue(
                    Level.ERROR,
                    "bed_day.level",
                    f"no bed-day rate for level {level!r}",
                    "",
                    None,
                    "level",
                )
            ]
        )
    if bed_days < 0:
        raise ValueError("bed_days must be >= 0")
    return Money.of(CONTEXT.multiply(policy.rates[level], bed_days), rounding)


@in_context
def per_head_payment(
    persons: int, months: int, policy: PerHeadPolicy, rounding: RoundingRule = DEFAULT_RULE
) -> Money:
    if persons < 0 or not 0 <= months <= 12:
        raise ValueError("persons must be >= 0 and months within 0-12")
    return Money.of(
        divide(CONTEXT.multiply(CONTEXT.multiply(policy.annual_rate, persons), months), 12),
        rounding,
    )
