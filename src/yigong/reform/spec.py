"""Reform tasks as data: the models of a task file (of a pack ``reform/packs/<id>/``).

A task file holds one set of tasks copied from one policy text (its letter, file and credit);
each task has Chinese and English titles, the paragraph and quote it comes from, the lead
departments the text names, the level that owns its progress report, the node levels it binds,
a deadline, the indicators that measure it and the evidence that shows it done.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Coverage", "Level", "SourceRef", "Task", "TaskSet", "TaskSetSource"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Level(StrEnum):
    """Node levels a task binds or is owned by (administrative divisions and communities)."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    COMMUNITY = "community"


class Coverage(StrEnum):
    """How much of a task its linked indicators measure."""

    FULL = "full"  # the indicators are the task (a numeric target): all met = done
    PARTIAL = "partial"  # the indicators measure part of it: all met = on track


class SourceRef(Strict):
    """Where in the source text: ``para`` = line of the paragraph in the source file."""

    para: int = Field(ge=1)
    quote: str = Field(min_length=1)


class TaskSetSource(Strict):
    letter: str = Field(min_length=1)
    file: str = Field(min_length=1)
    credit: str = Field(min_length=1)


class Task(Strict):
    id: str = Field(pattern=r"^[A-Z][A-Z0-9]*-[0-9A-Za-z.]+$")
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    source: SourceRef
    also: list[SourceRef] = Field(default_factory=list)
    lead_departments: list[str] = Field(default_factory=list)
    lead_note: str = ""
    owner: Level
    binds: list[Level] = Field(min_length=1)
    deadline: date
    deadline_note: str = ""
    indicators: list[str] = Field(default_factory=list)
    measured_by_indicators: Coverage = Coverage.PARTIAL
    evidence: list[str] = Field(default_factory=list)
    # filled by the loader
    set_id: str = ""
    file: str = ""
    line: int | None = None

    @property
    def deadline_year(self) -> int:
        return self.deadline.year


class TaskSet(Strict):
    kind: str
    set: str = Field(min_length=1)
    edition: str
    title_zh: str
    title_en: str
    issuer: str = ""
    source: TaskSetSource
    title_zh_origin: str = ""
    note: str = ""
