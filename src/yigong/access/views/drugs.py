"""Drugs as the API and the cockpit show them: volume-based procurement (agreed-volume
completion, savings, the retained insurance fund and its 60–70 % staff share, platform share,
unified distribution) and drug-use monitoring (the drug-use indicators, per prescriber) of a
node in the user's scope.

Results are computed by `yigong.services.drugs` and kept per node, year and data version
(`AccessState.memo`); rows of institutions outside the scope are left out and the totals are
the sums of the rows shown. Money is text with two decimals (exact); the cockpit formats it
in 元/万元 with thousands separators.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from yigong.access.principal import Principal
from yigong.services import drugs as svc
from yigong.services import hierarchy
from yigong.warehouse.hierarchy import resolve

__all__ = ["drug_use", "node_name", "procurement"]

_SUMMED = ("savings", "fund_savings", "retained", "staff", "development")


def _members(p: Principal, node: str) -> tuple[Any, frozenset[str]]:
    n = p.node(node)
    with p.state.tables() as wh:
        return n, hierarchy.members(wh, n) & p.scope.institutions


def node_name(p: Principal, n: Any) -> str:
    """The node's name as the hierarchy gives it (a division, community or institution)."""

    def run() -> str:
        with p.state.tables() as wh:
            return str(resolve(wh, n, date.today()).name or "")

    return p.state.memo(("node-name", str(n)), run)  # type: ignore[no-any-return]


def _named(p: Principal, rows: list[dict[str, Any]], members: frozenset[str]) -> list[dict]:
    return [
        dict(r, institution=p.scope.names.get(r["institution_id"], r["institution"]))
        for r in rows
        if r["institution_id"] in members
    ]


def procurement(p: Principal, node: str, year: int) -> dict[str, Any]:
    """VBP agreements of the node's institutions in scope with their completion and savings,
    the retained fund per institution and its split, platform purchase shares and unified
    distribution, for contract year `year`."""
    n, members = _members(p, node)

    def run() -> dict[str, Any]:
        with p.state.tables() as wh:
            return svc.procurement(wh, str(n), year)

    got = p.state.memo(("drugs.procurement", str(n), year), run)
    funds = _named(p, got["retained_funds"], members)
    agreements = _named(p, got["agreements"], members)
    totals = {k: str(sum((Decimal(f[k]) for f in funds), Decimal("0.00"))) for k in _SUMMED}
    totals["agreements"] = len(agreements)
    totals["completed"] = sum(1 for a in agreements if a["completed"])
    out = {
        "node": str(n),
        "node_name": node_name(p, n),
        "year": year,
        "policy": got["policy"],
        "parameters": got["parameters"],
        "clauses": got["clauses"],
        "totals": totals,
        "agreements": agreements,
        "retained_funds": funds,
        "platform": _named(p, got["platform"], members),
        "distribution": _named(p, got["distribution"], members),
    }
    return p.redact(out)  # type: ignore[no-any-return]


def drug_use(p: Principal, node: str, period: str, indicator: str = "R03") -> dict[str, Any]:
    """The drug-use indicators of the node and period, and one of them (DDD intensity by
    default) per prescriber from the same rows (prescribers are pseudonymised keys)."""
    n = p.node(node)
    period = p.period(period)

    def run() -> dict[str, Any]:
        with p.state.tables() as wh:
            return svc.drug_use(wh, str(n), period, by="prescriber", indicator=indicator)

    got = p.state.memo(("drugs.use", str(n), period, indicator), run)
    b = got.get("breakdown") or {"indicator": indicator, "rows": [], "notes": []}
    rows = sorted(b["rows"], key=lambda r: (r["value"] is None, -(r["value"] or 0.0)))
    picked = next((r for r in got["results"] if r["indicator"] == indicator), None)
    out = {
        "node": str(n),
        "node_name": got["node_name"],
        "period": period,
        "results": got["results"],
        "breakdown": {
            "indicator": b["indicator"],
            "indicator_zh": picked["name_zh"] if picked else b["indicator"],
            "indicator_en": picked["name_en"] if picked else b["indicator"],
            "notes": b["notes"],
            "rows": rows,
        },
    }
    return p.redact(out)  # type: ignore[no-any-return]
