"""The operations policy as data (运营管理规则): what an ``operations-policy`` pack holds.

One pack, four sections, one file each in the built-in pack ``national-2021``:

- ``allocation`` (cost-allocation.yaml): the tiers of the step-down allocation of the national
  standard, each with the class of departments it allocates, the classes that receive, the
  default driver and fallbacks;
- ``case_cost`` (case-cost.yaml): how a ward's monthly cost reaches its discharges, element by
  element (a front-page charge group, or bed-days);
- ``budget`` (budget.yaml): the variance thresholds of budget monitoring;
- ``pay`` (pay.yaml): the envelope's link to the appraisal, the distribution points, and the
  checks of pay distribution that the payment policy does not already hold.

Shares and amounts are Decimals read from their exact text (`SourceFile(decimals=True)`).
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from yigong.schema.codes_operations import COST_DRIVER
from yigong.schema.operations_tables import COST_ELEMENT_COLUMNS, PAY_ITEM_COLUMNS
from yigong.schema.tables import DISCHARGE_COST_COLUMNS

__all__ = [
    "CATEGORY_ORDER",
    "AllocationPolicy",
    "AppraisalBand",
    "BudgetPolicy",
    "CaseCostPolicy",
    "Category",
    "ElementRule",
    "FixedSalaryRule",
    "GpParityRule",
    "OperationsPolicy",
    "PayPolicy",
    "PersonnelShareRule",
    "Tier",
]

DriverName = Literal[tuple(COST_DRIVER)]  # type: ignore[valid-type]
ElementName = Literal[tuple(c.removeprefix("cost_") for c in COST_ELEMENT_COLUMNS)]  # type: ignore[valid-type]
ChargeColumn = Literal[DISCHARGE_COST_COLUMNS]  # type: ignore[valid-type]
PayItem = Literal[PAY_ITEM_COLUMNS]  # type: ignore[valid-type]
Share = Decimal


class Category(StrEnum):
    """科室单元类别 of the national standard, in the order costs flow."""

    ADMINISTRATIVE = "administrative"
    MEDICAL_SUPPORT = "medical_support"
    MEDICAL_TECHNOLOGY = "medical_technology"
    CLINICAL = "clinical"


CATEGORY_ORDER: tuple[Category, ...] = tuple(Category)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tier(Model):
    """One level of the step-down: the departments of class ``source`` hand their whole cost
    (direct and received) to the departments of the ``receivers`` classes, each source by its
    own driver (``departments.cost_driver``) or ``driver``; when the receivers' values of that
    driver are all zero in a month, the ``fallback`` drivers are tried in order."""

    id: str = Field(min_length=1)
    source: Category
    receivers: list[Category] = Field(min_length=1)
    driver: DriverName
    fallback: list[DriverName] = Field(default_factory=list)
    clause: str = Field(min_length=1)


class AllocationPolicy(Model):
    tiers: list[Tier] = Field(min_length=1)
    clause: str = Field(min_length=1)


class ElementRule(Model):
    """How one cost element of a ward reaches its discharges: in proportion to the listed
    front-page ``charges`` of each stay, or to its ``bed_days`` (length of stay)."""

    element: ElementName
    driver: Literal["charges", "bed_days"]
    charges: list[ChargeColumn] = Field(default_factory=list)
    fallback: Literal["bed_days", "none"] = "bed_days"


class CaseCostPolicy(Model):
    method: Literal["top_down"]
    elements: list[ElementRule] = Field(min_length=1)
    clause: str = Field(min_length=1)


class Thresholds(Model):
    warn: Share = Field(gt=0)
    alert: Share = Field(gt=0)


class BudgetPolicy(Model):
    """Budget monitoring: a month's variance |actual − plan| ÷ plan, and the cumulative
    execution rate's distance from the share of the year elapsed (both as fractions)."""

    monthly_variance: Thresholds
    cumulative_lag: Thresholds
    min_plan: Decimal = Field(ge=0, description="months planned below this (yuan) get no alert")
    clause: str = Field(min_length=1)


class AppraisalBand(Model):
    min_score: Decimal = Field(ge=0, le=100)
    coefficient: Share = Field(ge=0, le=2)


class EnvelopeRule(Model):
    """The approved envelope × the coefficient of the appraisal score's band; ``items`` are
    the pay items the envelope covers (绩效工资)."""

    items: list[PayItem] = Field(min_length=1)
    bands: list[AppraisalBand] = Field(min_length=1)
    clause: str = Field(min_length=1)


class DistributionRule(Model):
    """How the incentive part of the envelope reaches departments and staff."""

    incentive_items: list[PayItem] = Field(min_length=1)
    points: dict[Literal["case_weight", "bed_day", "outpatient_visit", "exam"], Decimal]
    non_clinical_factor: Share = Field(gt=0)
    title_coefficients: dict[str, Decimal]
    #: quality (from the case-mix facts): points × max(floor, 1 − penalty × low-risk deaths)
    low_risk_death_penalty: Share = Field(ge=0, le=1)
    quality_floor: Share = Field(ge=0, le=1)
    clause: str = Field(min_length=1)


class FixedSalaryRule(Model):
    """Fixed pay items ÷ all pay, per institution of the listed types (salaried staff)."""

    items: list[PayItem] = Field(min_length=1)
    institution_types: list[str] = Field(min_length=1)
    min_share: Share = Field(gt=0, lt=1)
    clause: str = Field(min_length=1)


class GpParityRule(Model):
    """General practitioners at primary institutions against clinicians of the same title at
    the ``comparison_types`` institutions (a county general hospital)."""

    primary_types: list[str] = Field(min_length=1)
    comparison_types: list[str] = Field(min_length=1)
    qualifications: list[str] = Field(min_length=1)
    clause: str = Field(min_length=1)


class PersonnelShareRule(Model):
    """Personnel expenditure share against the national benchmark of the catalog indicator
    that measures it for the hospital's level (``by_level``: hospital level → indicator id)."""

    by_level: dict[str, str] = Field(min_length=1)
    statistic: Literal["median", "average"]
    clause: str = Field(min_length=1)


class PayPolicy(Model):
    envelope: EnvelopeRule
    distribution: DistributionRule
    fixed_salary: FixedSalaryRule
    gp_parity: GpParityRule
    personnel_share: PersonnelShareRule


class OperationsPolicy(Model):
    id: str = Field(min_length=1)
    name_zh: str = Field(min_length=1)
    version: str = Field(min_length=1)
    sources: list[str] = Field(min_length=1)
    allocation: AllocationPolicy
    case_cost: CaseCostPolicy
    budget: BudgetPolicy
    pay: PayPolicy
