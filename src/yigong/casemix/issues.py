"""Validation findings of packs and grouper input (the shared `yigong.issues` vocabulary)."""

from __future__ import annotations

from yigong.issues import Issue, IssuesError, Level

__all__ = ["Issue", "Level", "PackError", "error"]


def error(
    code: str, message: str, file: str = "", line: int | None = None, field: str = ""
) -> Issue:
    return Issue(Level.ERROR, code, message, file, line, field)


class PackError(IssuesError):
    """A pack cannot be loaded; carries the issues that explain why."""
