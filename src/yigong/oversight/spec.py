"""The shape of a screening rule (one entry of a rules file of a pack ``oversight/packs/<id>/``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Entity", "PolicyRef", "Rule", "RuleStatus", "Severity"]


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Entity(StrEnum):
    """What one flag points at."""

    CASE = "case"  # one encounter (discharge, visit, examination)
    PERSON = "person"
    INSTITUTION = "institution"


class RuleStatus(StrEnum):
    ACTIVE = "active"
    NEEDS_DATA = "needs_data"  # declared, but the warehouse lacks what it needs (see `needs`)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PolicyRef(_Strict):
    """The policy text a rule serves."""

    text: str = Field(min_length=1)
    source: str = Field(min_length=1)


class Rule(_Strict):
    """One screening rule: identity, the policy it serves, its evaluator and parameters."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    policy: PolicyRef
    evaluator: str
    entity: Entity
    severity: Severity
    status: RuleStatus = RuleStatus.ACTIVE
    needs: str = ""  # what data is missing, for status needs_data
    params: dict[str, Any] = Field(default_factory=dict)
    interpretation: str = Field(min_length=1)  # how the rule reads the data model
    file: str = ""
    line: int | None = None
