"""The public-health rules as data: chronic-disease registers, programme assessment, subsidy.

One pack (kind ``public-health-rules``) holds, with the clause each comes from:

- per chronic disease (hypertension, type-2 diabetes): the ICD-10 prefixes that make a
  diagnosis, the age from which patients are managed, the adult prevalence that estimates the
  expected number of patients, the follow-ups a year and their interval, the control thresholds
  and the codes of avoidable (ambulatory-care-sensitive) admissions;
- per programme: the unit its tasks are counted in, its weight in the village assessment and
  its standardised workload equivalent (标化工作当量), which puts every programme's unit on one
  scale for the village share (P13) and the subsidy;
- the subsidy rule: who shares the village fund and how the assessment score scales it.

These models are what the YAML file is validated against (``extra="forbid"``); every error is
reported with file, line and field by `yigong.rulepacks.validate_model`.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "Assessment",
    "ChronicRule",
    "ControlRule",
    "Programme",
    "PublicHealthRules",
    "SubsidyRule",
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ControlRule(Strict):
    """When a last follow-up counts as controlled, for patients from ``min_age`` on."""

    min_age: int = 0
    sbp_below: int | None = None
    dbp_below: int | None = None
    fasting_glucose_below: Decimal | None = None
    clause: str

    @model_validator(mode="after")
    def _one_measure(self) -> ControlRule:
        if self.sbp_below is None and self.fasting_glucose_below is None:
            raise ValueError("a control rule needs sbp_below/dbp_below or fasting_glucose_below")
        return self


class ChronicRule(Strict):
    """One managed chronic disease."""

    name_zh: str
    name_en: str
    codes: list[str] = Field(min_length=1)  # ICD-10 prefixes of a diagnosis
    min_age: int = Field(ge=0)  # managed from this age
    prevalence: Decimal = Field(gt=0, lt=1)  # adult prevalence for the expected patients
    prevalence_from_age: int = Field(ge=0)  # the adults the prevalence applies to
    prevalence_source: str
    followups_per_year: int = Field(ge=1, le=12)
    interval_days: int = Field(ge=7, le=366)  # a follow-up is due this long after the last
    control: list[ControlRule] = Field(min_length=1)  # the rule with the highest min_age ≤ age
    avoidable_codes: list[str] = []  # principal diagnoses of an avoidable admission (ACSC)
    avoidable_source: str = ""
    clause: str


class Programme(Strict):
    """One national basic public-health programme in the village assessment."""

    name_zh: str
    unit: str  # the unit of its task counts (public_health_tasks.unit)
    weight: Decimal = Field(ge=0)  # points in the assessment
    equivalent: Decimal = Field(gt=0)  # standardised workload per unit of task
    clause: str


class Assessment(Strict):
    """How completion becomes a score: Σ weight × min(done / assigned, cap) over the programmes
    an institution was assigned, rescaled to ``max_score``."""

    max_score: Decimal = Field(gt=0)
    completion_cap: Decimal = Field(gt=0)
    clause: str


class SubsidyRule(Strict):
    """The village fund is shared by the village clinics in proportion to their assigned
    standardised workload × score ÷ max score; a clinic below ``score_floor`` gets nothing and
    its part goes to the others (the fund is always spent in full, to the fen)."""

    score_floor: Decimal = Field(ge=0)
    clause: str


class PublicHealthRules(Strict):
    """A whole public-health rules pack file."""

    id: str
    version: str
    source: str
    long_prescription_days: int = Field(ge=1)  # more days than this is a long prescription
    long_prescription_clause: str
    chronic: dict[str, ChronicRule]
    programmes: dict[str, Programme]
    assessment: Assessment
    subsidy: SubsidyRule

    def control_rule(self, disease: str, age: int) -> ControlRule:
        """The control thresholds that apply to a patient of ``age``."""
        rules = sorted(self.chronic[disease].control, key=lambda r: r.min_age)
        chosen = rules[0]
        for r in rules:
            if r.min_age <= age:
                chosen = r
        return chosen
