"""Errors as values: an ``Issue`` names the file, line, field and reason of a problem."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Issue", "IssueLevel", "PaymentInputError", "PolicyError"]


class IssueLevel(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in a policy file or an input bundle."""

    level: IssueLevel
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


class _IssuesError(Exception):
    """Raised when validation finds errors; carries every issue, not just the first."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


class PolicyError(_IssuesError):
    """A settlement policy file failed validation."""


class PaymentInputError(_IssuesError):
    """A settlement input bundle failed validation."""
