"""Policy sections that say how the budget's inputs come from county data.

The payment engine settles already aggregated records; these sections are the rules by which a
county's data becomes those records, kept with the policy (not in the services that collect the
data): whom a community covers (``communities``), which level key each institution type has
(``institution_levels``), the per-capita financing standard behind a default annual fund
(``annual_fund``) and how a quarterly assessment score is made from indicator results
(``assessment.score``, in :mod:`yigong.payment.policy`). Every section names its clause.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field

from yigong.payment.policy_types import Dec, PolicyModel, PositiveDec

__all__ = [
    "AnnualFundPolicy",
    "AssessmentScoreRule",
    "CommunityCoverage",
    "InstitutionLevels",
    "ScoreIndicator",
]


class CommunityCoverage(PolicyModel):
    """Whom a medical community covers, and which fund the global budget is.

    A resident belongs to the community of the health centre (one of ``centre_types``) of the
    township they live in (first 9 digits of their division code); residents of a township
    without such a centre, and settlements of persons not on file, go to the community led by
    a ``lead_type`` institution (else the first community by id). The community map is frozen
    on ``map_date`` (month-day) of the budget year.
    """

    fund_scheme: str = Field(min_length=1)  # the insurance scheme whose fund is budgeted
    map_date: str = Field(pattern=r"^\d\d-\d\d$")
    centre_types: list[str] = Field(min_length=1)
    lead_type: str = Field(min_length=1)
    clause: str

    def map_on(self, year: int) -> date:
        """The day of ``year`` whose community memberships decide the map."""
        month, day = self.map_date.split("-")
        return date(year, int(month), int(day))


class InstitutionLevels(PolicyModel):
    """Institution type → the level key of ``drg.coefficients`` and ``simple.per_bed_day``
    (a type not listed keeps its own name as key)."""

    types: dict[str, str] = Field(min_length=1)
    clause: str

    def key(self, institution_type: str) -> str:
        return self.types.get(institution_type, institution_type)


class AnnualFundPolicy(PolicyModel):
    """The per-capita financing standard (yuan per insured person and year) by year: the default
    annual fund is this standard × insured headcount when the county gives no budget."""

    per_capita: dict[int, PositiveDec] = Field(min_length=1)
    clause: str


class ScoreIndicator(PolicyModel):
    """One indicator of the quarterly score and its weight in the mean."""

    indicator: str = Field(min_length=1)  # an indicator id of the indicator catalog
    weight: PositiveDec = Decimal(1)


class AssessmentScoreRule(PolicyModel):
    """How a community's quarterly score (季度考核得分) is made from indicator results.

    For each indicator the engine computes for the community and quarter: attainment =
    min(1, value ÷ target) (target ÷ value, capped at 1, for a "lower is better" target), the
    target read from the indicator catalog's targets. The score is ``scale`` × the weighted mean
    of the attainments, rounded half-up to ``decimals`` places; an indicator the engine cannot
    compute is left out (and named), a quarter with none is an error.
    """

    indicators: list[ScoreIndicator] = Field(min_length=1)
    targets: Literal["indicator_catalog"] = "indicator_catalog"
    attainment: Literal["capped_ratio"] = "capped_ratio"
    scale: PositiveDec = Decimal(100)
    decimals: int = Field(default=2, ge=0, le=6)
    clause: str

    @property
    def indicator_ids(self) -> list[str]:
        return [i.indicator for i in self.indicators]

    def weight(self, indicator: str) -> Dec:
        return next(i.weight for i in self.indicators if i.indicator == indicator)
