"""Catalog findings (the shared `yigong.issues` vocabulary)."""

from __future__ import annotations

from yigong.issues import Issue, IssuesError, Level

__all__ = ["CatalogError", "Issue", "Level"]


class CatalogError(IssuesError):
    """A catalog failed validation; carries every error, not just the first."""
