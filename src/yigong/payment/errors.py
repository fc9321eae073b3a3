"""The two refusals of the payment engine: a policy that cannot be used, inputs that cannot be
settled. Both carry every `Issue` found (file, line, field, reason), never just the first."""

from __future__ import annotations

from yigong.rulepacks import IssuesError

__all__ = ["PaymentInputError", "PolicyError"]


class PolicyError(IssuesError):
    """A settlement policy (pack or file) failed validation."""


class PaymentInputError(IssuesError):
    """A settlement input bundle failed validation."""
