"""Case mix of the institutions of a node that lie in the user's scope."""

from __future__ import annotations

from typing import Any

from yigong.access.principal import Principal
from yigong.services import casemix_report, hierarchy

__all__ = ["casemix"]


def casemix(
    p: Principal, node: str, period: str | None, scheme: str | None = None
) -> dict[str, Any]:
    """CMI, DRGs, cost and time indices per institution of the node in scope (with names)."""
    n = p.node(node)
    code = p.period(period) if period else None
    with p.state.tables() as wh:
        members = hierarchy.members(wh, n) & p.scope.institutions
        rows = casemix_report.casemix_by_institution(wh, members, code, scheme)
    for r in rows:
        r["name_zh"] = p.scope.names.get(r["institution_id"], "")
    return {"node": str(n), "period": code, "items": p.redact(rows)}
