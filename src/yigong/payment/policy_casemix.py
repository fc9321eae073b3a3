"""Policy sections for DIP (按病种分值付费), DRG payment, per bed-day / per-head payment and
the distribution rules (分配规则) of the policy texts."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from yigong.payment.policy_types import PolicyModel, PositiveDec, Share

__all__ = [
    "BedDayCategory",
    "BedDayPolicy",
    "DaySurgeryItem",
    "DaySurgeryPolicy",
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


class BedDayCategory(PolicyModel):
    """One kind of stay paid per bed-day: which stays (principal diagnosis prefixes, or a
    length of stay from ``min_los`` days), the bed-day standard per level, and the days paid at
    most per stay (days beyond are paid × ``excess_share``)."""

    name_zh: str = Field(min_length=1)
    diagnoses: list[str] = Field(default_factory=list)
    min_los: int | None = Field(default=None, ge=1)
    rates: dict[str, PositiveDec] = Field(min_length=1)
    max_days: int | None = Field(default=None, ge=1)
    excess_share: Share = Decimal(0)


class BedDayPolicy(PolicyModel):
    """Per bed-day payment (按床日付费): ``rates`` (level → yuan per bed-day, the general
    standard) and the categories of stays paid this way, tried in order (a stay takes the first
    category it fits: psychiatric, rehabilitation, long stays)."""

    rates: dict[str, PositiveDec]
    categories: dict[str, BedDayCategory] = Field(default_factory=dict)
    clause: str


class PerHeadPolicy(PolicyModel):
    """Per-head payment of outpatient care under family-doctor contracts (门诊按人头付费):
    ``annual_rate`` yuan per contracted person and year, paid monthly (a twelfth per month in
    which the contract is in force), to the contracting institution."""

    annual_rate: PositiveDec
    clause: str


class DaySurgeryItem(PolicyModel):
    """One day-surgery procedure (日间手术病种) and its payment standard (same at every level)."""

    procedure: str = Field(min_length=1)
    name_zh: str = Field(min_length=1)
    standard: PositiveDec


class DaySurgeryPolicy(PolicyModel):
    """Day-surgery payment (日间手术付费): a day-surgery stay whose principal procedure is in
    ``catalogue`` is paid the procedure's standard (按病种定额, the same at every level); a stay
    costing less than ``low_ratio`` × the standard is paid its cost."""

    catalogue: list[DaySurgeryItem] = Field(min_length=1)
    low_ratio: Share
    clause: str

    def standard(self, procedure: str) -> DaySurgeryItem | None:
        return next((i for i in self.catalogue if i.procedure == procedure), None)


class SimplePolicies(PolicyModel):
    """Per bed-day (按床日), per-head outpatient (门诊按人头) and day-surgery (日间手术) payment."""

    per_bed_day: BedDayPolicy | None = None
    per_head_outpatient: PerHeadPolicy | None = None
    day_surgery: DaySurgeryPolicy | None = None


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
