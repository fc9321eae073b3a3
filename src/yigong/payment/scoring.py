"""Assessment scores → shares, and surplus/overspend tiers → amounts.

Score rule: the annual score is the weighted mean of the four quarterly scores, rounded
half-up to ``policy.score_decimals`` places. A score maps to a share by ``bands`` (the first
band whose ``min_score`` the score reaches) or ``linear`` (0 at ``zero_at``, 1 at
``full_at``, straight line between, clamped).

Tier rule: an amount (surplus or overspend) is cut into segments at ``up_to × quota``;
segment *i* is the part of the amount above the previous bound and up to this bound, and is
multiplied by the tier's share and rounded once to the fen. The tier results are summed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from yigong.payment.policy import QualityReturn
from yigong.schema.money import Money
from yigong.schema.rounding import CONTEXT, RoundingRule, divide, in_context

__all__ = ["TierPart", "annual_score", "score_share", "tiered"]


@in_context
def annual_score(
    scores: Sequence[Decimal], weights: Sequence[Decimal], quantum: Decimal
) -> Decimal:
    """Weighted mean of the quarterly scores, rounded half-up to ``quantum``."""
    num = sum((CONTEXT.multiply(s, w) for s, w in zip(scores, weights, strict=True)), Decimal(0))
    den = sum(weights, Decimal(0))
    return divide(num, den).quantize(quantum, rounding=ROUND_HALF_UP)


@in_context
def score_share(score: Decimal, rule: QualityReturn) -> Decimal:
    """The share (0–1) a score earns under a bands or linear mapping."""
    if rule.method == "bands":
        for band in rule.bands:
            if score >= band.min_score:
                return band.share
        return Decimal(0)
    assert rule.zero_at is not None and rule.full_at is not None  # checked by the validator
    if score <= rule.zero_at:
        return Decimal(0)
    if score >= rule.full_at:
        return Decimal(1)
    return divide(score - rule.zero_at, rule.full_at - rule.zero_at)


@dataclass(frozen=True, slots=True)
class TierPart:
    """One tier's part of a tiered computation: segment amount × share = result."""

    lower: Money
    upper: Money | None
    segment: Money
    share: Decimal
    result: Money


@in_context
def tiered(
    amount: Money, quota: Money, tiers: Sequence[tuple[Decimal | None, Decimal]], rule: RoundingRule
) -> list[TierPart]:
    """Split ``amount`` (≥ 0) over tiers whose bounds are shares of ``quota``."""
    parts: list[TierPart] = []
    lower = Money.zero()
    left = amount
    for up_to, share in tiers:
        upper = None if up_to is None else quota.scale(up_to, rule)
        width = left if upper is None else (upper - lower).max(Money.zero()).min(left)
        width = width.max(Money.zero())
        parts.append(TierPart(lower, upper, width, share, width.scale(share, rule)))
        left = left - width
        if upper is not None:
            lower = upper
    return parts
