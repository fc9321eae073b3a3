"""Policy sections for DIP (按病种分值付费), DRG payment, per bed-day / per-head payment and
the distribution rules (分配规则) of the policy texts."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from yigong.payment.policy_types import PolicyModel, PositiveDec, Share

__all__ = [
    "BedDayPolicy",
    "DipPolicy",
    "DipTreatmentTypes",
    "DistributionPolicy",
    "DrgPolicy",
    "FamilyDoctorRule",
    "PerHeadPolicy",
    "ProcurementSurplusRule",
    "SimplePolicies",
    "TownshipIncentiveRule",
]


class DipTreatmentTypes(PolicyModel):
    """How a stay's treatment type (治疗方式属性) is derived from its principal procedure.

    No procedure → conservative; an operating-room procedure of the grouper pack ``or_pack``
    (local codes translated through its ``procedure_map``) → surgical; an ICD-9-CM-3 code in
    one of ``diagnostic_categories`` (first two digits) or ``diagnostic_subcategories``
    (``92.0``: first three digits) → diagnostic; any other procedure → therapeutic.
    """

    or_pack: str = Field(min_length=1)
    diagnostic_categories: list[str] = Field(min_length=1)
    diagnostic_subcategories: list[str] = Field(default_factory=list)
    interpretation: str = Field(min_length=1)
    clause: str

    @property
    def category_digits(self) -> tuple[str, ...]:
        return tuple(c.replace(".", "") for c in self.diagnostic_categories)

    @property
    def subcategory_digits(self) -> tuple[str, ...]:
        return tuple(c.replace(".", "") for c in self.diagnostic_subcategories)


class DipPolicy(PolicyModel):
    """Big-data DIP catalogue, scores, coefficients, deviation cases and point value."""

    core_threshold: int = Field(ge=1)
    year_weights: list[PositiveDec] = Field(min_length=1, max_length=5)
    score_scale: PositiveDec
    score_decimals: int = Field(ge=0, le=8)
    coefficient_method: Literal["by_level", "by_level_casemix", "fixed"]
    fixed_coefficients: dict[str, PositiveDec] = Field(default_factory=dict)
    coefficient_decimals: int = Field(ge=0, le=8)
    low_ratio: Share
    high_ratio: PositiveDec
    extreme_ratio: PositiveDec
    point_value_decimals: int = Field(ge=0, le=10)
    treatment_types: DipTreatmentTypes | None = None
    clause: str


class DrgPolicy(PolicyModel):
    """DRG payment: payment standard = rate × weight × coefficient, with outlier rules."""

    rate_method: Literal["fixed", "floating_cost", "budget"]
    base_rate: PositiveDec | None = None
    rate_decimals: int = Field(ge=0, le=6)
    coefficients: dict[str, PositiveDec] = Field(default_factory=dict)
    low_ratio: Share | None = None
    high_ratio: PositiveDec | None = None
    high_excess_share: Share = Decimal(1)
    min_los: int | None = Field(default=None, ge=0)
    max_los: int | None = Field(default=None, ge=1)
    excluded_cost_share: Share
    clause: str


class BedDayPolicy(PolicyModel):
    rates: dict[str, PositiveDec]
    clause: str


class PerHeadPolicy(PolicyModel):
    annual_rate: PositiveDec
    clause: str


class SimplePolicies(PolicyModel):
    """Per bed-day (按床日) and per-head outpatient (门诊按人头) payment."""

    per_bed_day: BedDayPolicy | None = None
    per_head_outpatient: PerHeadPolicy | None = None


class ProcurementSurplusRule(PolicyModel):
    staff_min: Share
    staff_max: Share
    clause: str


class TownshipIncentiveRule(PolicyModel):
    min_share: Share
    clause: str


class FamilyDoctorRule(PolicyModel):
    team_min: Share
    clause: str


class DistributionPolicy(PolicyModel):
    """Distribution rules the texts fix for finance data."""

    procurement_surplus: ProcurementSurplusRule
    township_incentive: TownshipIncentiveRule
    family_doctor: FamilyDoctorRule
