"""Settlement policy (医保支付政策) as validated data.

A county's policy is a rule pack (see ``packs/henan-default/``: one YAML file per section) or
a single YAML file; either loads into :class:`Policy`. Every share and rule the global budget
uses is here; the engine has no numbers of its own. Each section carries ``clause``: the policy
text the rule implements, copied onto every ledger line the rule produces.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Literal

from pydantic import Field

from yigong.payment.policy_bureau import AgreementPolicy, FundRunningPolicy
from yigong.payment.policy_casemix import DipPolicy, DistributionPolicy, DrgPolicy, SimplePolicies
from yigong.payment.policy_inputs import (
    AnnualFundPolicy,
    AssessmentScoreRule,
    CommunityCoverage,
    InstitutionLevels,
)
from yigong.payment.policy_types import (
    Dec,
    FactorBand,
    PolicyModel,
    PositiveDec,
    Score,
    ScoreBand,
    Share,
)
from yigong.schema.rounding import CONTEXT, FEN, RoundingRule

__all__ = [
    "AssessmentPolicy",
    "OutOfCountyPolicy",
    "QuotaAdjustment",
    "OverspendTier",
    "Policy",
    "PrepaymentPolicy",
    "QuotaPolicy",
    "ReservePolicy",
    "RoundingPolicy",
    "SharingPolicy",
    "SurplusTier",
]


class RoundingPolicy(PolicyModel):
    """How amounts round to money (see :mod:`yigong.schema.rounding`)."""

    mode: str = decimal.ROUND_HALF_UP
    quantum: PositiveDec = FEN

    def rule(self) -> RoundingRule:
        return RoundingRule(mode=self.mode, quantum=self.quantum)


class ReserveShare(PolicyModel):
    share: Share
    clause: str


class ReservePolicy(PolicyModel):
    """Shares of the annual fund set aside before quotas (风险调剂金、质量保证金、大病保险)."""

    risk_adjustment: ReserveShare
    quality_guarantee: ReserveShare
    major_illness: ReserveShare


class QuotaAdjustment(PolicyModel):
    """Last year's annual assessment score adjusts this year's quota (考核结果与下一年度预算额度挂钩).

    A community's basis share is multiplied by the factor of the first band its prior-year
    annual score reaches; the shares are then re-normalised, so the quotas still sum to the
    distributable fund (money moves between communities, not out of the fund).
    """

    bands: list[FactorBand] = Field(min_length=1)
    clause: str

    def factor(self, score: Decimal) -> Decimal:
        for band in self.bands:
            if score >= band.min_score:
                return band.factor
        return Decimal(1)


class QuotaPolicy(PolicyModel):
    """How the distributable fund is pre-allocated to communities (年度预算额度).

    basis share = headcount_weight × headcount share + (1 − headcount_weight) × history share,
    where history = Σ weight(k) × fund paid in year − k, for k in ``history_weights``;
    with ``assessment_adjustment``, × the factor of last year's annual score, re-normalised.
    """

    headcount_weight: Share
    history_weights: dict[int, Dec] = Field(default_factory=dict)
    assessment_adjustment: QuotaAdjustment | None = None
    clause: str


class PrepaymentPolicy(PolicyModel):
    """Monthly prepayment of the quota (按月预拨) with a withheld share released quarterly."""

    day_of_month: int = Field(ge=1, le=28)
    month_weights: list[Dec] = Field(min_length=12, max_length=12)
    withhold_share: Share
    clause: str


class QualityReturn(PolicyModel):
    """Score → share of the quality-guarantee fund returned (质量保证金返还)."""

    method: Literal["bands", "linear"]
    bands: list[ScoreBand] = Field(default_factory=list)
    zero_at: Score | None = None
    full_at: Score | None = None


class AssessmentPolicy(PolicyModel):
    """Quarterly assessment (季度考核): scores 0–100 from the indicator engine (``score``: which
    indicators, their weights and the attainment rule), released and returned by score bands."""

    quarter_weights: list[Dec] = Field(min_length=4, max_length=4)
    score: AssessmentScoreRule | None = None
    quarterly_release: QualityReturn
    quality_return: QualityReturn
    clause: str


class SurplusTier(PolicyModel):
    """Surplus up to ``up_to`` × quota (cumulative) is retained at ``retained`` share."""

    up_to: Share | None
    retained: Share


class OverspendTier(PolicyModel):
    """Overspend up to ``up_to`` × quota (cumulative): the fund bears ``fund_share`` of it."""

    up_to: Share | None
    fund_share: Share


class SharingPolicy(PolicyModel):
    """Surplus retained, reasonable overspend shared (结余留用、合理超支分担)."""

    surplus_tiers: list[SurplusTier] = Field(min_length=1)
    overspend_tiers: list[OverspendTier] = Field(min_length=1)
    overspend_source: Literal["risk_adjustment"] = "risk_adjustment"
    clause: str


class OutOfCountyRule(PolicyModel):
    charge_to_quota: Share


class OutOfCountyPolicy(PolicyModel):
    """Out-of-county care is paid from the community's quota (县外就医费用从预算额度中支付).

    ``deduct_from_prepayment``: when true, what a month's out-of-county care charged to the
    quota is deducted from the next month's prepayment (December's at year end), so a
    community's cash follows its real entitlement during the year instead of being repaid at
    year end."""

    referred: OutOfCountyRule
    self_referred: OutOfCountyRule
    deduct_from_prepayment: bool = False
    clause: str


class Policy(PolicyModel):
    """A complete settlement policy for one county (or a province default)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    name_zh: str
    version: str
    sources: list[str] = Field(min_length=1)
    rounding: RoundingPolicy = RoundingPolicy()
    score_decimals: int = Field(default=2, ge=0, le=6)
    reconciliation_day: str = Field(default="12-31", pattern=r"^\d\d-\d\d$")
    reserves: ReservePolicy
    quota: QuotaPolicy
    prepayment: PrepaymentPolicy
    assessment: AssessmentPolicy
    sharing: SharingPolicy
    out_of_county: OutOfCountyPolicy
    dip: DipPolicy | None = None
    drg: DrgPolicy | None = None
    simple: SimplePolicies | None = None
    distribution: DistributionPolicy | None = None
    communities: CommunityCoverage | None = None
    institution_levels: InstitutionLevels | None = None
    annual_fund: AnnualFundPolicy | None = None
    fund_running: FundRunningPolicy | None = None
    agreements: AgreementPolicy | None = None

    def score_quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.score_decimals, CONTEXT)
