"""Errors of the operations engine: every finding as an `Issue` (file, line, field, reason)."""

from __future__ import annotations

from yigong.rulepacks import IssuesError

__all__ = ["OperationsInputError", "OperationsPolicyError"]


class OperationsPolicyError(IssuesError):
    """The operations policy (pack or file) cannot be used; carries every issue."""


class OperationsInputError(IssuesError):
    """The data given to an operations calculation cannot be used; carries every issue."""
