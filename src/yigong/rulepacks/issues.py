"""Errors as values, shared by every validator: an ``Issue`` names file, line, field and reason.

Grouper packs, indicator catalogs, payment policies, disease catalogs, screening rules, reform
tasks and input bundles are data validated like code; each validator returns ``Issue`` values
and raises an ``IssuesError`` subclass carrying all of them (never just the first) when the data
cannot be used. This is the project's one vocabulary of findings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Issue", "IssuesError", "Level", "error", "errors_in", "warning"]


class Level(StrEnum):
    """How serious a finding is: an ``error`` makes the file unusable."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Issue:
    """One finding of a validator or reader; ``line`` is 1-based, None when the whole file is meant."""

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

    @property
    def is_error(self) -> bool:
        return self.level is Level.ERROR


def error(
    code: str, message: str, file: str = "", line: int | None = None, field: str = ""
) -> Issue:
    """An error-level issue."""
    return Issue(Level.ERROR, code, message, file, line, field)


def warning(
    code: str, message: str, file: str = "", line: int | None = None, field: str = ""
) -> Issue:
    """A warning-level issue."""
    return Issue(Level.WARNING, code, message, file, line, field)


def errors_in(issues: Iterable[Issue]) -> list[Issue]:
    """The error-level issues, in order."""
    return [i for i in issues if i.level is Level.ERROR]


class IssuesError(Exception):
    """Validation found errors; carries every issue."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))
