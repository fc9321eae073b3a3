"""Hierarchy views: the institutions in scope (a page of them) and the institution tree grouped
by medical community. Nothing outside the scope is listed; a parent outside it is left out."""

from __future__ import annotations

from datetime import date
from typing import Any

from yigong.access.principal import Principal
from yigong.services import hierarchy, tables
from yigong.warehouse.hierarchy import UnknownNode, parse_node, resolve

__all__ = ["default_period", "institutions_page", "node_names", "tree"]


def default_period(p: Principal) -> str:
    """The cockpit's default period: the last year with discharges."""

    def run() -> str:
        with p.state.tables() as wh:
            return hierarchy.latest_year(wh)

    return p.state.memo(("latest_year",), run)  # type: ignore[no-any-return]


def node_names(p: Principal, nodes: list[str] | tuple[str, ...]) -> dict[str, str]:
    """The names of hierarchy nodes as of today ("" for one that does not exist), so pages
    show 临漳县 next to ``division:130423``."""

    def name(node: str) -> str:
        try:
            with p.state.tables() as wh:
                return resolve(wh, parse_node(node), date.today()).name
        except (UnknownNode, ValueError):
            return ""

    return {n: p.state.memo(("node-name", n), lambda n=n: name(n)) for n in nodes}


def institutions_page(p: Principal, limit: int, offset: int) -> dict[str, Any]:
    with p.state.tables() as wh:
        total, rows = hierarchy.institutions(wh, p.scope.institutions, limit, offset)
    return {"total": total, "limit": limit, "offset": offset, "items": p.redact(rows)}


def tree(p: Principal) -> dict[str, Any]:
    """The user's institutions, grouped by medical community (and those in none)."""
    with p.state.tables() as wh:
        inst = wh.table("institutions")
        inst = inst.filter(inst.institution_id.isin(sorted(p.scope.institutions) or [""]))
        mem = wh.table("community_memberships")
        mem = mem.filter(mem.valid_to.isnull())
        com = wh.table("communities")
        rows = tables.rows(
            inst.select("institution_id", "name_zh", "institution_type", "division_code").order_by(
                "institution_id"
            )
        )
        links = tables.rows(
            mem.join(com, "community_id").select(
                mem.institution_id,
                mem.community_id,
                mem.role,
                mem.parent_institution_id,
                community_name=com.name_zh,
            )
        )
    by_inst = {
        link["institution_id"]: link
        for link in links
        if link["institution_id"] in p.scope.institutions
    }
    groups: dict[str, dict[str, Any]] = {}
    for r in rows:
        link = by_inst.get(r["institution_id"], {})
        key = link.get("community_id", "")
        g = groups.setdefault(
            key,
            {"community_id": key, "name_zh": link.get("community_name", ""), "institutions": []},
        )
        parent = link.get("parent_institution_id")
        g["institutions"].append(
            {
                **r,
                "role": link.get("role", ""),
                "parent": parent if parent in p.scope.institutions else None,
            }
        )
    return {"communities": p.redact(list(groups.values()))}
