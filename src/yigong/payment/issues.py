"""Policy and input findings (the shared `yigong.issues` vocabulary)."""

from __future__ import annotations

from yigong.issues import Issue, IssuesError
from yigong.issues import Level as IssueLevel

__all__ = ["Issue", "IssueLevel", "PaymentInputError", "PolicyError"]


class PolicyError(IssuesError):
    """A settlement policy file failed validation."""


class PaymentInputError(IssuesError):
    """A settlement input bundle failed validation."""
