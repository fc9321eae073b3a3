"""Policy sections of the insurance bureau's desk: coverage and fund running
(``fund-running.yaml``) and designated providers' agreements (``agreements.yaml``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from yigong.payment.policy_types import Dec, PolicyModel, PositiveDec, Score, ScoreBand, Share

__all__ = [
    "AgreementAssessment",
    "AgreementItem",
    "AgreementPolicy",
    "CoverageTarget",
    "EliminationRule",
    "FundRunningPolicy",
    "MonthsBand",
]


_PROVIDER_KINDS: tuple[Literal["medical_institution", "retail_pharmacy"], ...] = (
    "medical_institution",
    "retail_pharmacy",
)


class CoverageTarget(PolicyModel):
    """The insurance coverage rate (参保率) to reach: insured ÷ resident population."""

    target: Share
    clause: str


class MonthsBand(PolicyModel):
    """A band of months of payment the accumulated balance covers (累计结余可支付月数)."""

    min_months: Dec
    band: Literal["insufficient", "low", "reasonable", "high", "excessive"]


class FundRunningPolicy(PolicyModel):
    """Coverage target, the warning bands of the months of payment covered, and how far a
    community's or institution's spending may run ahead of time elapsed (序时进度)."""

    coverage: CoverageTarget
    months_bands: list[MonthsBand] = Field(min_length=1)
    progress_tolerance: Share
    clause: str

    def months_band(self, months: Decimal) -> str:
        """The first band (by falling ``min_months``) the months reach."""
        for b in self.months_bands:
            if months >= b.min_months:
                return b.band
        return self.months_bands[-1].band


class AgreementItem(PolicyModel):
    """One quantified indicator of the annual agreement assessment (协议考核指标).

    ``source``: ``inspections`` (a value recorded in ``agreement_inspections``) or one of the
    measures computed from the warehouse (``claim_timeliness``: share of monthly claims
    submitted by ``claim_day``; ``personal_burden``: personal share of the provider's settled
    cost; ``cost_growth``: growth of the mean cost per inpatient stay over the year before).

    ``method``: ``linear`` — full ``points`` at ``full_at``, none at ``zero_at``, a straight
    line between (either direction: a lower-is-better item has ``full_at < zero_at``);
    ``deduct`` — ``points`` minus ``per_unit`` for each unit of the value, not below 0.
    ``applies_to``: the provider kinds assessed on the item (a pharmacy has no inpatient cost).
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str = Field(min_length=1)
    source: Literal["inspections", "claim_timeliness", "personal_burden", "cost_growth"]
    method: Literal["linear", "deduct"]
    points: PositiveDec
    zero_at: Dec | None = None
    full_at: Dec | None = None
    per_unit: PositiveDec | None = None
    applies_to: list[Literal["medical_institution", "retail_pharmacy"]] = Field(
        default_factory=lambda: list(_PROVIDER_KINDS), min_length=1
    )
    clause: str


class EliminationRule(PolicyModel):
    """The elimination of the last (末位淘汰): among providers of a kind ranked by score, those
    in the lowest ``bottom_share`` that also score below ``below_score`` are not renewed."""

    bottom_share: Share
    below_score: Score
    clause: str


class AgreementAssessment(PolicyModel):
    """The annual assessment: items (rules as data), the score → deposit return bands, the
    elimination rule, and the rounding of scores (half-up to ``decimals``)."""

    items: list[AgreementItem] = Field(min_length=1)
    decimals: int = Field(default=2, ge=0, le=6)
    deposit_return: list[ScoreBand] = Field(min_length=1)
    elimination: EliminationRule
    claim_day: int = Field(default=10, ge=1, le=28)
    clause: str


class AgreementPolicy(PolicyModel):
    """Designated providers' agreements (协议管理): the annual assessment and the settlement
    time limit from claim to payment (结算时限) when an agreement sets none."""

    assessment: AgreementAssessment
    settlement_days: int = Field(ge=1)
    clause: str
