"""Quarterly assessment scores (季度考核) from the indicator engine's C01 and C03."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from yigong.payment.issues import Issue, IssueLevel, PaymentInputError
from yigong.payment.records import AssessmentScore
from yigong.services.settlement_data._common import Provenance
from yigong.services.settlement_data.community_map import CommunityMap
from yigong.warehouse.hierarchy import TableSource

__all__ = ["SCORE_INDICATORS", "assessment_scores", "attainment"]


#: the indicators a quarterly score is made of: the two figures [N] sets for communities (the
#: 90 % county consultation rate is measured as C01, the in-county share of admissions).
SCORE_INDICATORS = ("C01", "C03")


def attainment(value: Decimal, target: Decimal, lower_is_better: bool) -> Decimal:
    if lower_is_better:
        return Decimal(1) if value <= target else target / value
    return min(Decimal(1), value / target)


def assessment_scores(
    tables: TableSource, cmap: CommunityMap, year: int
) -> tuple[tuple[AssessmentScore, ...], Provenance]:
    """Quarterly 0–100 scores per community from the indicator engine (see the module doc)."""
    from yigong.services import indicators as indicator_service

    scores, figures, missing = [], {}, []
    for cid, _ in cmap.communities:
        for q in range(1, 5):
            ev = indicator_service.compute(
                tables, f"community:{cid}", f"{year}Q{q}", ids=list(SCORE_INDICATORS), compare=False
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
                value = Decimal(r.numerator) * Decimal(str(r.factor)) / Decimal(r.denominator)
                target = Decimal(str(r.target.value))
                att = attainment(value, target, r.target.comparator in ("<=", "<"))
                parts.append(att)
                figures[key] = (
                    f"{r.numerator}/{r.denominator} × {r.factor:g} = "
                    f"{value:.2f} vs {r.target.comparator} {target:g} → "
                    f"attainment {att:.4f}"
                )
            if not parts:
                missing.append(f"{cid} Q{q}")
                continue
            score = (Decimal(100) * sum(parts, Decimal(0)) / len(parts)).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP
            )
            figures[f"{cid}:Q{q}"] = str(score)
            scores.append(AssessmentScore(cid, q, score))
    if missing:
        raise PaymentInputError(
            [
                Issue(
                    IssueLevel.ERROR,
                    "warehouse.scores",
                    f"the indicator engine computed none of {', '.join(SCORE_INDICATORS)} for {m}; "
                    f"details: {figures}",
                    "warehouse",
                    None,
                    "score",
                )
                for m in missing
            ]
        )
    return tuple(scores), Provenance(
        "assessments",
        "100 × mean over C01 (≥ 90 %) and C03 (≥ 65 %) of min(1, value ÷ target), "
        "per community node and quarter, half-up to 0.01",
        figures,
    )
