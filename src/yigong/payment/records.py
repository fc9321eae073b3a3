"""Inputs of the global-budget settlement: plain frozen records of ALREADY AGGREGATED data.

Where they come from (the warehouse, a file bundle, a test) is not this package's business;
:mod:`yigong.services.settlement` builds them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from yigong.schema.money import Money

__all__ = [
    "AssessmentScore",
    "BudgetInputs",
    "Claim",
    "ClaimSetting",
    "Community",
    "FundHistory",
    "Institution",
    "PriorScore",
    "ReferralStatus",
]


class ClaimSetting(StrEnum):
    """Where the care was given, seen from the county (县域内 / 县域外)."""

    IN_COUNTY = "in_county"
    OUT_OF_COUNTY = "out_of_county"


class ReferralStatus(StrEnum):
    """Whether out-of-county care followed a referral (转诊) or the patient went alone (自行外出)."""

    REFERRED = "referred"
    SELF_REFERRED = "self_referred"
    NOT_APPLICABLE = "none"


@dataclass(frozen=True, slots=True)
class Community:
    """A medical community (医共体) and the insured residents it covers (参保人数)."""

    community_id: str
    name: str
    insured_headcount: int


@dataclass(frozen=True, slots=True)
class Institution:
    """A member institution (成员单位) of a community; ``level`` keys coefficients and rates."""

    institution_id: str
    community_id: str
    name: str
    level: str


@dataclass(frozen=True, slots=True)
class FundHistory:
    """Fund payments attributed to a community in a past year (历年医保基金支出)."""

    community_id: str
    year: int
    fund_paid: Money


@dataclass(frozen=True, slots=True)
class Claim:
    """Fund-paid amount of one institution for one month, for one community's insured.

    In-county claims name a member institution (any community's: cross-community care is
    settled by the insured's community). Out-of-county claims name the outside provider
    (or an aggregate label) in ``institution_id`` and carry a referral status.
    """

    community_id: str
    institution_id: str
    month: int
    setting: ClaimSetting
    referral: ReferralStatus
    fund_paid: Money


@dataclass(frozen=True, slots=True)
class AssessmentScore:
    """A community's quarterly assessment score (0–100), supplied by the indicator engine."""

    community_id: str
    quarter: int
    score: Decimal


@dataclass(frozen=True, slots=True)
class PriorScore:
    """A community's annual assessment score of the year before (上年度考核得分), which adjusts
    this year's quota when the policy says so (``quota.assessment_adjustment``)."""

    community_id: str
    year: int
    annual_score: Decimal


@dataclass(frozen=True, slots=True)
class BudgetInputs:
    """Everything the global budget of one county-year needs."""

    county: str
    year: int
    annual_fund: Money
    communities: tuple[Community, ...]
    institutions: tuple[Institution, ...]
    history: tuple[FundHistory, ...]
    claims: tuple[Claim, ...]
    assessments: tuple[AssessmentScore, ...]
    prior_scores: tuple[PriorScore, ...] = ()
