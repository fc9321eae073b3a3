"""Shared field types for policy models: Decimal-only numbers, shares and score bands."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

__all__ = ["Dec", "FactorBand", "PolicyModel", "PositiveDec", "Score", "ScoreBand", "Share"]


def _no_float(value: Any) -> Any:
    if isinstance(value, (bool, float)):
        raise ValueError("must be a decimal number written as text or an integer, never a float")
    if isinstance(value, str):
        return Decimal(value.strip())
    return value


def _finite(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite number")
    return value


Dec = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(_finite)]
Share = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(_finite), Field(ge=0, le=1)]
PositiveDec = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(_finite), Field(gt=0)]
Score = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(_finite), Field(ge=0, le=100)]


class PolicyModel(BaseModel):
    """Base for every policy section: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ScoreBand(PolicyModel):
    """An assessment score band: scores at or above ``min_score`` get ``share``."""

    min_score: Score
    share: Share


class FactorBand(PolicyModel):
    """A score band with a factor (e.g. next year's quota × ``factor``)."""

    min_score: Score
    factor: PositiveDec
