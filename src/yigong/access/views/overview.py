"""The overview of a node (驾驶舱首页): KPI tiles for the targets binding it (value, target,
同比/环比, traffic light), the trajectory of each target to its deadline, the node's children
ranked and mapped on a chosen indicator, and the referral flows touching the node.

Everything is computed by the services (indicator results, the warehouse's referral feed) for
a node inside the scope; children are the nodes one step down that the user may open
(`yigong.access.views.nodes.children`). Flows are counts by level and direction — no
institution is named, so nothing outside the scope can leak.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from yigong.access.errors import AccessError
from yigong.access.principal import Principal
from yigong.access.views import nodes
from yigong.access.views.indicators import check_indicator, light
from yigong.indicators.applicability import NodeFacts, blocked_reason
from yigong.indicators.evaluate import IndicatorResult
from yigong.indicators.periods import parse_period
from yigong.indicators.spec import NodeLevel, PeriodType
from yigong.services import hierarchy as hierarchy_svc
from yigong.services import indicators as indicators_svc
from yigong.services.referral_flows import referral_flows
from yigong.warehouse.hierarchy import Node, NodeKind, parse_node

__all__ = [
    "BOUNDARIES",
    "BINS",
    "flows",
    "kpis",
    "map_view",
    "overview",
    "ranking",
    "target_ids",
]

#: divisions whose children's boundaries ship with the cockpit (``web/static/geo/<code>.json``)
BOUNDARIES = frozenset({"130400"})
BINS = 5


def target_ids() -> list[str]:
    """Indicators that have a target somewhere in the catalog (the overview's key targets)."""
    cat = indicators_svc.catalog()
    wanted = {t.indicator for t in cat.targets}
    return [i for i in cat.indicators if i in wanted]


def _row(r: IndicatorResult) -> dict[str, Any]:
    d = r.as_dict()
    d.pop("parts", None)
    d["light"] = light(d)
    return d


def _arrow(change: float | None, direction: str) -> dict[str, Any] | None:
    if change is None:
        return None
    way = "up" if change > 0 else "down" if change < 0 else "flat"
    good = None
    if direction == "higher":
        good = change > 0 if way != "flat" else None
    elif direction == "lower":
        good = change < 0 if way != "flat" else None
    return {"change": change, "way": way, "good": good}


def kpis(p: Principal, node: Node, period: str) -> list[dict[str, Any]]:
    """One tile per target binding the node: value, target, light, 同比 and 环比."""
    results = [r for r in p.state.results(str(node), period, target_ids()) if r.target]
    per = parse_period(period)
    earlier: dict[str, IndicatorResult] = {}
    if per.type is not PeriodType.YEAR:
        try:
            same = p.state.results(
                str(node), per.year_earlier().code, [r.indicator for r in results]
            )
            earlier = {r.indicator: r for r in same}
        except AccessError:  # the node did not exist a year earlier
            earlier = {}
    tiles = []
    for r in results:
        d = _row(r)
        if per.type is PeriodType.YEAR:  # the previous year is both 同比 and 环比
            yoy, yoy_value, mom = _arrow(r.change, r.direction), r.previous_value, None
        else:
            e = earlier.get(r.indicator)
            ev = e.value if e is not None else None
            yoy_value = ev
            yoy = _arrow(
                r.value - ev if r.value is not None and ev is not None else None, r.direction
            )
            mom = _arrow(r.change, r.direction)
        d["yoy"] = yoy and {**yoy, "previous": yoy_value, "period": per.year_earlier().code}
        d["mom"] = mom and {**mom, "previous": r.previous_value, "period": r.previous_period}
        tiles.append(d)
    return tiles


def _trajectory(t: dict[str, Any]) -> dict[str, Any] | None:
    traj, tgt = t.get("trajectory") or {}, t.get("target") or {}
    points = traj.get("points") or []
    if not points:
        return None
    last_year, last_value = points[-1]
    deadline = int(traj.get("deadline") or tgt.get("deadline") or last_year)
    trend = []
    if traj.get("slope") is not None and traj.get("projected") is not None and deadline > last_year:
        trend = [[last_year, last_value], [deadline, traj["projected"]]]
    return {
        "indicator": t["indicator"],
        "name_zh": t["name_zh"],
        "name_en": t["name_en"],
        "unit": t["unit"],
        "points": [[int(y), v] for y, v in points],
        "trend": trend,
        "target": tgt.get("value"),
        "comparator": tgt.get("comparator"),
        "deadline": deadline,
        "projected": traj.get("projected"),
        "will_meet": traj.get("will_meet"),
        "left_out": list(traj.get("left_out") or []),
        "light": t["light"],
    }


def _facts(h: nodes.Hierarchy, node: Node) -> NodeFacts:
    if node.kind is NodeKind.INSTITUTION:
        return NodeFacts(
            NodeLevel.INSTITUTION,
            {"institution_type": str(h.institutions.get(node.id, {}).get("institution_type", ""))},
        )
    if node.kind is NodeKind.COMMUNITY:
        return NodeFacts(NodeLevel.COMMUNITY)
    level = h.level(node)
    return NodeFacts(
        NodeLevel(level) if level in NodeLevel._value2member_map_ else NodeLevel.COUNTY
    )


def applicable(p: Principal, node: Node, indicator: str, period: str) -> tuple[str, str] | None:
    """Why ``indicator`` does not apply to ``node`` in ``period`` ((English, 中文)), or None —
    asked of the catalog and the in-memory hierarchy, without computing anything."""
    cat = indicators_svc.catalog()
    return blocked_reason(
        cat.indicator(indicator), cat, _facts(nodes.hierarchy(p), node), parse_period(period)
    )


def _bins(values: list[float]) -> list[float]:
    lo, hi = min(values), max(values)
    if hi == lo:
        return [lo, hi]
    step = (hi - lo) / BINS
    return [lo + step * i for i in range(BINS + 1)]


def _bin(v: float, edges: list[float]) -> int:
    if len(edges) == 2:
        return BINS // 2
    for i in range(BINS):
        if v <= edges[i + 1]:
            return i
    return BINS - 1


def ranking(
    p: Principal, node: Node, period: str, indicator: str, by: str = "admin"
) -> dict[str, Any]:
    """The node's children on ``indicator``: best first (by the indicator's direction), each
    with its value, numerator, denominator, light and colour bin; children where the indicator
    does not apply are counted, not listed."""
    check_indicator(indicator)
    ind = indicators_svc.catalog().indicator(indicator)
    kids = nodes.children(p, node, by)
    items, skipped = [], []
    for k in kids:
        child = parse_node(k["node"])
        why = applicable(p, child, indicator, period)
        if why is not None:
            skipped.append({**k, "reason": why[0], "reason_zh": why[1]})
            continue
        try:
            (r,) = p.state.results(k["node"], period, [indicator])
        except AccessError:  # the child did not exist in the period
            skipped.append(
                {**k, "reason": "did not exist in the period", "reason_zh": "该期间不存在"}
            )
            continue
        if r.value is None:
            skipped.append(
                {**k, "reason": r.note or "no value", "reason_zh": r.note_zh or "无数据"}
            )
            continue
        d = _row(r)
        items.append(
            {
                **k,
                **{
                    x: d[x]
                    for x in ("value", "numerator", "denominator", "light", "target", "status")
                },
            }
        )
    lower = (ind.direction.value if ind.direction else "") == "lower"
    items.sort(key=lambda x: (x["value"] if lower else -x["value"], x["node"]))
    edges = _bins([x["value"] for x in items]) if items else []
    for rank, x in enumerate(items, 1):
        x["rank"] = rank
        x["bin"] = _bin(x["value"], edges)
    return {
        "indicator": indicator,
        "name_zh": ind.name_zh,
        "name_en": ind.name_en,
        "unit": ind.unit,
        "decimals": ind.decimals,
        "display": ind.display,
        "direction": ind.direction.value if ind.direction else "",
        "by": by,
        "items": items,
        "skipped": skipped,
        "edges": edges,
    }


def map_view(
    p: Principal, node: Node, period: str, indicator: str, by: str = "admin"
) -> dict[str, Any]:
    """The children coloured by ``indicator``: drawn on their boundaries when the cockpit ships
    them for this node (the counties of 邯郸市), else as a grid of tiles."""
    rank = ranking(p, node, period, indicator, by)
    kids = rank["items"]
    geo = (
        node.kind is NodeKind.DIVISION
        and node.id in BOUNDARIES
        and by == "admin"
        and all(k["node"].startswith("division:") for k in kids)
    )
    return {
        "node": str(node),
        "period": period,
        "mode": "geo" if geo and kids else "grid",
        "boundary": f"/static/geo/{node.id}.json" if geo else None,
        **rank,
    }


def flows(p: Principal, node: Node, period: str) -> dict[str, Any]:
    """Referrals requested in the period whose requesting or receiving institution belongs to
    the node: counts by direction, level from → level to, and in or out of the county."""
    per = parse_period(period)
    with p.state.tables() as wh:
        members = hierarchy_svc.members(wh, node) & p.scope.institutions
        rows = referral_flows(wh, members, per.start, per.end + timedelta(days=1))
    totals = {"upward": 0, "downward": 0, "in_county": 0, "out_of_county": 0, "total": 0}
    for r in rows:
        totals[r["direction"]] = totals.get(r["direction"], 0) + r["n"]
        totals["in_county" if r["in_county"] else "out_of_county"] += r["n"]
        totals["total"] += r["n"]
    return {"links": rows, "totals": totals}


def overview(
    p: Principal, node: str, period: str, indicator: str | None = None, by: str = "admin"
) -> dict[str, Any]:
    """Everything the overview page shows for a node in scope and a period."""
    n = p.node(node)
    code = p.period(period)
    if by not in ("admin", "community"):
        raise AccessError(400, "bad_request", f"by {by!r}: admin or community")

    def build() -> dict[str, Any]:
        tiles = kpis(p, n, code)
        chosen = indicator or (tiles[0]["indicator"] if tiles else "C01")
        h = nodes.hierarchy(p)
        return {
            "node": str(n),
            "node_name": h.name(n),
            "level": h.level(n),
            "period": code,
            "tiles": tiles,
            "trajectories": [t for t in (_trajectory(x) for x in tiles) if t is not None],
            "map": map_view(p, n, code, chosen, by),
            "flows": flows(p, n, code),
            "indicator": chosen,
            "by": by,
            "has_communities": any(c["county_code"] == n.id for c in h.communities.values())
            if n.kind is NodeKind.DIVISION
            else False,
        }

    if indicator is not None:
        check_indicator(indicator)
    key = ("overview-page", str(n), code, indicator, by, p.user.nodes)
    return p.state.memo(key, build)  # type: ignore[no-any-return]
