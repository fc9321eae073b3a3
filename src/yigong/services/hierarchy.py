"""Hierarchy reads (one function per user action): a node's institutions today, the page of
institutions a user may see, and the cockpit's default period."""

from __future__ import annotations

from datetime import date
from typing import Any

from yigong.services.tables import rows
from yigong.warehouse import Tables
from yigong.warehouse.hierarchy import Node, resolve

__all__ = ["institutions", "latest_year", "members"]


def members(wh: Tables, node: Node, as_of: date | None = None) -> frozenset[str]:
    """The institution ids of a node (today unless ``as_of``)."""
    table = resolve(wh, node, as_of or date.today()).institutions.to_pyarrow()
    return frozenset(str(i) for i in table.column("institution_id").to_pylist())


def latest_year(wh: Tables) -> str:
    """The last year with discharges (the cockpit's default period; "2024" when empty)."""
    d = wh.table("discharges")
    y = d.discharge_date.year().max().to_pyarrow().as_py()
    return str(y) if y is not None else "2024"


def institutions(
    wh: Tables, allowed: frozenset[str], limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """The institutions among ``allowed``, by id: (total, one page of rows)."""
    t = wh.table("institutions")
    t = t.filter(t.institution_id.isin(sorted(allowed) or [""])).order_by("institution_id")
    total = int(t.count().to_pyarrow().as_py())
    return total, rows(t.limit(limit, offset=offset))
