"""Quarterly assessment scores (季度考核) from indicator results, by the policy's score rule.

[N] (4)2: "budget at the beginning of the year, monthly advance payment, quarterly assessment,
and year-end liquidation"; the assessment results are linked to the return of the quality
guarantee fund. Which indicators make the score, their weights and the attainment rule are the
policy's ``assessment.score`` section; the targets are the indicator catalog's. Pure Decimal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from yigong.payment.policy_inputs import AssessmentScoreRule
from yigong.schema.rounding import CONTEXT

__all__ = ["Attainment", "attainment", "indicator_value", "quarter_score", "score_rule_text"]

#: Scores are computed in the payment engine's one context (34 digits, half-even); the rounding
#: that matters is the final half-up to ``decimals`` places.
SCORE_CONTEXT = CONTEXT


def attainment(value: Decimal, target: Decimal, lower_is_better: bool) -> Decimal:
    """How far a value meets its target, 0–1: min(1, value ÷ target), or target ÷ value (1 when
    at or below the target) for a "lower is better" target."""
    if lower_is_better:
        return Decimal(1) if value <= target else SCORE_CONTEXT.divide(target, value)
    return min(Decimal(1), SCORE_CONTEXT.divide(value, target))


def indicator_value(numerator: int | Decimal, denominator: int | Decimal, factor: float) -> Decimal:
    """An indicator's value in Decimal from its numerator, denominator and factor."""
    scaled = SCORE_CONTEXT.multiply(Decimal(numerator), Decimal(str(factor)))
    return SCORE_CONTEXT.divide(scaled, Decimal(denominator))


@dataclass(frozen=True, slots=True)
class Attainment:
    """One indicator's part of a quarterly score."""

    indicator: str
    value: Decimal
    comparator: str
    target: Decimal
    attainment: Decimal


def quarter_score(parts: Sequence[Attainment], rule: AssessmentScoreRule) -> Decimal:
    """``scale`` × the weighted mean of the attainments, half-up to ``decimals`` places."""
    if not parts:
        raise ValueError("a quarterly score needs at least one computed indicator")
    weights = [rule.weight(p.indicator) for p in parts]
    c = SCORE_CONTEXT
    num = Decimal(0)
    for p, w in zip(parts, weights, strict=True):
        num = c.add(num, c.multiply(p.attainment, w))
    den = Decimal(0)
    for w in weights:
        den = c.add(den, w)
    quantum = Decimal(1).scaleb(-rule.decimals, CONTEXT)
    return c.divide(c.multiply(rule.scale, num), den).quantize(quantum, rounding=ROUND_HALF_UP)


_SIGN = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "~=": "≈"}


def _target_text(comparator: str, value: float | Decimal, unit: str) -> str:
    return f"{_SIGN.get(comparator, comparator)} {value:g} {unit}".strip()


def score_rule_text(
    rule: AssessmentScoreRule, targets: dict[str, tuple[str, float | Decimal, str]]
) -> str:
    """The rule in words, with each indicator's target (``id → (comparator, value, unit)``)."""
    named = [
        f"{i} ({_target_text(*targets[i])})" if i in targets else i for i in rule.indicator_ids
    ]
    equal = len({rule.weight(i) for i in rule.indicator_ids}) == 1
    mean = (
        "mean"
        if equal
        else "weighted mean ("
        + ", ".join(f"{i} × {rule.weight(i):g}" for i in rule.indicator_ids)
        + ")"
    )
    scale = f"{rule.scale:g}"
    quantum = f"{Decimal(1).scaleb(-rule.decimals, CONTEXT)}"
    return (
        f"{scale} × {mean} over {' and '.join(named)} of min(1, value ÷ target), "
        f"per community node and quarter, half-up to {quantum}"
    )
