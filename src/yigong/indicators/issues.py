"""Errors as values: an ``Issue`` names the file, line, field and reason of a catalog problem."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["CatalogError", "Issue", "Level"]


class Level(StrEnum):
    """How serious a finding is: an ``error`` makes the catalog unusable."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Issue:
    """One finding of the catalog loader or validator."""

    level: Level
    code: str
    message: str
    file: str = ""
    line: int | None = None
    field: str = ""

    def __str__(self) -> str:
        where = self.file or "<catalog>"
        if self.line is not None:
            where += f":{self.line}"
        field = f" [{self.field}]" if self.field else ""
        return f"{where}{field}: {self.level.value} {self.code}: {self.message}"


class CatalogError(Exception):
    """A catalog failed validation; carries every error, not just the first."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))
