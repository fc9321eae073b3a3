"""Errors as values, shared by every validator: an ``Issue`` names file, line, field and reason.

Grouper packs, indicator catalogs, payment policies and input bundles are data validated like
code; each validator returns ``Issue`` values and raises an ``IssuesError`` subclass carrying
all of them (never just the first) when the data cannot be used.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Issue", "IssuesError", "Level"]


class Level(StrEnum):
    """How serious a finding is: an ``error`` makes the file unusable."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Issue:
    """One finding of a validator or reader."""

    level: Level
    code: str
    message: str
    file: str = ""
    line: int | None = None
    field: str = ""

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        field = f" [{self.field}]" if self.field else ""
        return f"{where}{field}: {self.level.value} {self.code}: {self.message}"


class IssuesError(Exception):
    """Validation found errors; carries every issue."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))
