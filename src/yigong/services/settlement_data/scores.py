"""Quarterly assessment scores (季度考核): the indicator engine's results for each community and
quarter, scored by the payment policy's ``assessment.score`` rule.

Which indicators, their weights and the attainment rule are policy (``assessment.yaml`` of the
policy pack); the targets are the indicator catalog's; the arithmetic is the payment engine's
(:mod:`yigong.payment.assessment`). This module only collects the indicator results.
"""

from __future__ import annotations

from decimal import Decimal

from yigong.payment.assessment import (
    Attainment,
    attainment,
    indicator_value,
    quarter_score,
    score_rule_text,
)
from yigong.payment.errors import PaymentInputError
from yigong.payment.policy_inputs import AssessmentScoreRule
from yigong.payment.records import AssessmentScore
from yigong.rulepacks import Issue, Level
from yigong.services import indicators as indicator_service
from yigong.services.settlement_data._common import Provenance, error
from yigong.services.settlement_data.community_map import CommunityMap
from yigong.warehouse.protocol import Tables

__all__ = ["assessment_scores", "attainment"]


def assessment_scores(
    tables: Tables, cmap: CommunityMap, year: int, rule: AssessmentScoreRule | None
) -> tuple[tuple[AssessmentScore, ...], Provenance]:
    """Quarterly 0–100 scores per community from the indicator engine, by the policy's rule."""

    if rule is None:
        raise error(
            "warehouse.scores",
            "the policy has no assessment.score section (which indicators make the quarterly "
            "score): copy it from the built-in pack henan-default (assessment.yaml)",
            "score",
        )
    ids = rule.indicator_ids
    scores, figures, missing = [], {}, []
    targets: dict[str, tuple[str, float | Decimal, str]] = {}
    for cid, _ in cmap.communities:
        for q in range(1, 5):
            ev = indicator_service.compute(
                tables, f"community:{cid}", f"{year}Q{q}", ids=ids, compare=False
            )
            parts = []
            for r in ev.results:
                key = f"{cid}:Q{q}:{r.indicator}"
                if (
                    r.numerator is None
                    or not r.denominator
                    or r.target is None
                    or r.target.value is None
                ):
                    figures[key] = f"not computed ({r.status}{': ' + r.note if r.note else ''})"
                    continue
                value = indicator_value(r.numerator, r.denominator, r.factor)
                target = Decimal(str(r.target.value))
                att = attainment(value, target, r.target.comparator in ("<=", "<"))
                parts.append(Attainment(r.indicator, value, r.target.comparator, target, att))
                targets.setdefault(r.indicator, (r.target.comparator, r.target.value, r.unit))
                figures[key] = (
                    f"{r.numerator}/{r.denominator} × {r.factor:g} = "
                    f"{value:.2f} vs {r.target.comparator} {target:g} → "
                    f"attainment {att:.4f}"
                )
            if not parts:
                missing.append(f"{cid} Q{q}")
                continue
            score = quarter_score(parts, rule)
            figures[f"{cid}:Q{q}"] = str(score)
            scores.append(AssessmentScore(cid, q, score))
    if missing:
        raise PaymentInputError(
            [
                Issue(
                    Level.ERROR,
                    "warehouse.scores",
                    f"the indicator engine computed none of {', '.join(ids)} for {m}; "
                    f"details: {figures}",
                    "warehouse",
                    None,
                    "score",
                )
                for m in missing
            ]
        )
    return tuple(scores), Provenance("assessments", score_rule_text(rule, targets), figures)
