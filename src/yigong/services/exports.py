"""Table export: which tables can be exported scoped, and a table's rows of some institutions."""

from __future__ import annotations

from typing import Any

from yigong.services.tables import rows
from yigong.warehouse import Tables

__all__ = ["exportable_tables", "scoped_rows"]


def exportable_tables(wh: Tables) -> list[str]:
    """Tables with an ``institution_id`` column (so the export can be scoped)."""
    return [name for name in sorted(wh.list_tables()) if "institution_id" in wh.table(name).columns]


def scoped_rows(
    wh: Tables, name: str, allowed: frozenset[str], limit: int
) -> tuple[list[str], list[dict[str, Any]]]:
    """The columns and first ``limit`` rows of table ``name`` whose institution is in
    ``allowed`` (not redacted: `yigong.access.views.exports` does that). ``name`` must be one
    of `exportable_tables`."""
    t = wh.table(name)
    t = t.filter(t.institution_id.isin(sorted(allowed) or [""]))
    return list(t.columns), rows(t.limit(limit))
