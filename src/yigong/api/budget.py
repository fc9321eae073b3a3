"""The medical communities' global budget (医保总额预算) as the API and cockpit show it.

Scope rule: a user whose nodes cover the county (a division node at or above it) sees every
community of the county; anyone else sees only the communities `Scope.allows` — those they
hold, or all of whose (≥ 1) member institutions are in their scope. A user who may see none
of them gets 403 ``outside_scope``. The rows are those of `settlement_section`, read from the
cockpit's budget run (`yigong.api.settlement_run`: the run its ledger and statements show,
computed once per warehouse state, county, year and policy); an engine refusal (e.g. missing
history years) is kept and reported as such.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from yigong.api.context import Principal
from yigong.api.errors import ApiError
from yigong.warehouse.hierarchy import Node, NodeKind

__all__ = ["budget_rows", "default_county"]


def _section(p: Principal, county: str, year: int) -> dict[str, Any]:
    from yigong.api import settlement_run

    run = settlement_run.budget_run(p, county, year)  # the run the ledger shows, computed once
    return {"rows": settlement_run.section_rows(run), "error": run.error}


def _visible(p: Principal, county: str) -> tuple[bool, set[str]]:
    """Whether the whole county is visible, else the county's communities the user may see."""
    with p.state.tables() as wh:
        if p.scope.allows(wh, Node(NodeKind.DIVISION, county), date.today()):
            return True, set()
        com = wh.table("communities")
        ids = [
            str(c)
            for c in com.filter(com.county_code == county).community_id.to_pyarrow().to_pylist()
        ]
        return False, {
            c for c in ids if p.scope.allows(wh, Node(NodeKind.COMMUNITY, c), date.today())
        }


def budget_rows(p: Principal, county: str, year: int) -> dict[str, Any]:
    """Per-community rows of the county's global budget that the user may see (yuan)."""
    whole, communities = _visible(p, county)
    if not whole and not communities:
        raise ApiError(
            403,
            "outside_scope",
            f"no medical community of the county asked for "
            f"lies inside the nodes assigned to {p.user.username}",
            {"nodes": list(p.user.nodes)},
        )
    section = _section(p, county, year)
    rows = [r for r in section["rows"] if whole or r["community"].split(" ", 1)[0] in communities]
    return {
        "county": county,
        "year": year,
        "whole_county": whole,
        "error": section["error"],
        "items": rows,
    }


def default_county(p: Principal) -> str:
    """The county (6-digit division code) of the user's first division node at county level
    or below, else of their first institution ("" when they have neither)."""
    for node in p.scope.nodes:
        if node.kind is NodeKind.DIVISION and len(node.id) >= 6:
            return node.id[:6]
    first = min(p.scope.institutions, default=None)
    if first is None:
        return ""
    with p.state.tables() as wh:
        t = wh.table("institutions")
        code = t.filter(t.institution_id == first).division_code.to_pyarrow().to_pylist()
    return str(code[0])[:6] if code else ""
