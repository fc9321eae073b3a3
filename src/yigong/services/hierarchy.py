"""Hierarchy reads (one function per user action): a node's institutions today, the page of
institutions a user may see, and the cockpit's default period."""

from __future__ import annotations

from datetime import date
from typing import Any

from yigong.services.tables import rows
from yigong.warehouse import Tables
from yigong.warehouse.hierarchy import Node, resolve

__all__ = [
    "communities",
    "divisions",
    "institution_list",
    "institutions",
    "latest_year",
    "members",
    "years_with_data",
]


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


# ---- the two hierarchies for the cockpit's node picker, breadcrumbs and comparisons ----------


def _today(as_of: date | None) -> date:
    return as_of or date.today()


def divisions(wh: Tables, as_of: date | None = None) -> list[dict[str, Any]]:
    """Every administrative division valid on ``as_of`` (today): code, name, level, parent."""
    d = wh.table("admin_divisions")
    day = _today(as_of)
    d = d.filter((d.valid_from <= day) & (d.valid_to.isnull() | (d.valid_to >= day)))
    return rows(
        d.select("division_code", "name_zh", "level", "parent_code").order_by("division_code")
    )


def communities(wh: Tables, as_of: date | None = None) -> list[dict[str, Any]]:
    """Every medical community valid on ``as_of`` (today): id, name, county."""
    c = wh.table("communities")
    day = _today(as_of)
    c = c.filter((c.valid_from <= day) & (c.valid_to.isnull() | (c.valid_to >= day)))
    return rows(c.select("community_id", "name_zh", "county_code").order_by("community_id"))


def institution_list(wh: Tables, as_of: date | None = None) -> list[dict[str, Any]]:
    """Every institution open on ``as_of`` (today) with its type, division and community (its
    membership valid that day, if any) and its role there."""
    day = _today(as_of)
    i = wh.table("institutions")
    i = i.filter(i.closed_on.isnull() | (i.closed_on >= day))
    m = wh.table("community_memberships")
    m = m.filter((m.valid_from <= day) & (m.valid_to.isnull() | (m.valid_to >= day)))
    joined = i.left_join(m, i.institution_id == m.institution_id).select(
        i.institution_id,
        i.name_zh,
        i.institution_type,
        i.division_code,
        m.community_id,
        community_role=m.role,
    )
    return rows(joined.order_by("institution_id"))


def years_with_data(wh: Tables) -> list[int]:
    """The years that hold discharges or outpatient visits, newest first (the cockpit's
    period picker)."""
    out: set[int] = set()
    for table, column in (("discharges", "discharge_date"), ("outpatient_visits", "visit_date")):
        t = wh.table(table)
        years = t.select(y=t[column].year()).distinct().to_pyarrow().column("y").to_pylist()
        out |= {int(y) for y in years if y is not None}
    return sorted(out, reverse=True)
