"""Validation findings: an ``Issue`` names the file, line, field and reason."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    """How serious a finding is: an ``error`` makes the pack unusable."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Issue:
    """One finding of the pack validator or of the input reader."""

    level: Level
    code: str
    message: str
    file: str = ""
    line: int | None = None
    field: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.field:
            where += f" [{self.field}]"
        return f"{self.level.value} {self.code} {where}: {self.message}"


def error(code: str, message: str, file: str = "", line: int | None = None, field: str = "") -> Issue:
    return Issue(Level.ERROR, code, message, file, line, field)


class PackError(Exception):
    """A pack cannot be loaded; carries the issues that explain why."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues[:20]))
