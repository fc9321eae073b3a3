"""Validation findings of graded-care definition files: file, line, field and reason."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Issue:
    """One finding; ``line`` is 1-based (0 when the whole file is concerned)."""

    severity: Severity
    code: str
    message: str
    file: str
    line: int = 0
    field: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" [{self.field}]" if self.field else ""
        return f"{where}{field}: {self.severity.value} {self.code}: {self.message}"


class DefinitionError(Exception):
    """A definition file failed validation; ``issues`` lists every error found."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))
