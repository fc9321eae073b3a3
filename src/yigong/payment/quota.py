"""Pre-allocated quotas (年度预算额度) per community.

basis share(c) = h × headcount(c) / Σ headcount
               + (1 − h) × history(c) / Σ history,
history(c) = Σ_k w_k × fund paid by c in (year − k),  k ∈ policy.quota.history_weights.

With ``quota.assessment_adjustment`` ([N] (4)2: the assessment results are linked to "the
determination of the pre-annual quota for the next year"), each basis share is multiplied by
the factor its community's prior-year annual score earns, and the products are re-normalised:
adjusted share(c) = basis(c) × f(c) / Σ basis × f.

The distributable fund is then split by the (adjusted) shares with the largest-remainder
method, so the quotas sum exactly to it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from yigong.payment.policy import QuotaPolicy
from yigong.payment.records import Community, FundHistory
from yigong.schema.money import Money, allocate
from yigong.schema.rounding import CONTEXT, divide, in_context

__all__ = ["QuotaBasis", "quota_basis", "allocate_quotas"]


@dataclass(frozen=True, slots=True)
class QuotaBasis:
    """Why a community got its quota: the numbers behind its basis share."""

    community_id: str
    headcount: int
    headcount_share: Decimal
    weighted_history: Decimal
    history_share: Decimal
    basis_share: Decimal
    prior_score: Decimal | None = None
    factor: Decimal = Decimal(1)
    adjusted_share: Decimal | None = None

    @property
    def share(self) -> Decimal:
        """The share the quota is allocated by (adjusted when the policy adjusts)."""
        return self.basis_share if self.adjusted_share is None else self.adjusted_share


@in_context
def quota_basis(
    communities: tuple[Community, ...],
    history: tuple[FundHistory, ...],
    year: int,
    policy: QuotaPolicy,
    prior: dict[str, Decimal] | None = None,
) -> list[QuotaBasis]:
    """Basis shares per community, in the order of ``communities``; ``prior`` maps each
    community to its prior-year annual score (needed when the policy adjusts by it)."""
    paid = {(h.community_id, h.year): h.fund_paid.amount for h in history}
    heads = sum(c.insured_headcount for c in communities)
    weighted = {
        c.community_id: sum(
            (
                CONTEXT.multiply(w, paid.get((c.community_id, year - back), Decimal(0)))
                for back, w in policy.history_weights.items()
            ),
            Decimal(0),
        )
        for c in communities
    }
    hist_total = sum(weighted.values(), Decimal(0))
    h = policy.headcount_weight
    out = []
    for c in communities:
        head_share = divide(c.insured_headcount, heads) if heads else Decimal(0)
        hist_share = divide(weighted[c.community_id], hist_total) if hist_total else Decimal(0)
        basis = CONTEXT.add(CONTEXT.multiply(h, head_share), CONTEXT.multiply(1 - h, hist_share))
        out.append(
            QuotaBasis(
                c.community_id,
                c.insured_headcount,
                head_share,
                weighted[c.community_id],
                hist_share,
                basis,
            )
        )
    rule = policy.assessment_adjustment
    if rule is None or prior is None:
        return out
    factors = [rule.factor(prior[b.community_id]) for b in out]
    adjusted = [CONTEXT.multiply(b.basis_share, f) for b, f in zip(out, factors, strict=True)]
    total = sum(adjusted, Decimal(0))
    return [
        replace(b, prior_score=prior[b.community_id], factor=f,
                adjusted_share=divide(w, total) if total else Decimal(0))
        for b, f, w in zip(out, factors, adjusted, strict=True)
    ]  # fmt: skip


def allocate_quotas(distributable: Money, bases: list[QuotaBasis]) -> list[Money]:
    """Split the distributable fund by (adjusted) share; the quotas sum exactly to it."""
    return allocate(distributable, [b.share for b in bases])
