"""Refusals of graded care: workflow actions refused (what, why and who) and definition files
refused (every issue with file, line and field)."""

from __future__ import annotations

from yigong.rulepacks import IssuesError


class WorkflowError(Exception):
    """A user action that the workflow refuses; ``code`` is a stable machine-readable reason."""

    code = "workflow_error"


class IllegalTransition(WorkflowError):
    """The action is not allowed from the referral's (or request's) current status."""

    code = "illegal_transition"


class NotPermitted(WorkflowError):
    """The acting institution does not hold the party role the action needs."""

    code = "not_permitted"


class InvalidRequest(WorkflowError):
    """The input itself is wrong (unknown institution, missing reason, inconsistent direction…)."""

    code = "invalid_request"


class NotFound(WorkflowError):
    """No record with that id in the workflow store."""

    code = "not_found"


class ConcurrentUpdate(WorkflowError):
    """Someone else changed the record between our read and our write; nothing was saved."""

    code = "concurrent_update"


class DefinitionError(IssuesError):
    """A definition file (disease catalog, centre services) failed validation; ``issues`` lists
    every error found (file, line, field, reason)."""
