"""Indicator views: the scorecard of a node, the cockpit's target scorecard with traffic lights,
the drill-down (node → institutions in scope → the records behind the value) and the DHIS2
data values. The drill-down's records are redacted to the scope and their reading audited."""

from __future__ import annotations

from typing import Any

from yigong.access.errors import AccessError
from yigong.access.principal import Principal
from yigong.indicators.evaluate import IndicatorResult
from yigong.services import hierarchy
from yigong.services import indicators as indicators_svc
from yigong.services.tables import measure_rows
from yigong.warehouse.hierarchy import Node

__all__ = [
    "check_indicator",
    "drill",
    "explanation",
    "explanation_rows",
    "grouped_scorecard",
    "light",
    "overview",
    "results",
    "scorecard",
]


def check_indicator(indicator: str) -> None:
    if indicator not in indicators_svc.catalog().indicators:
        raise AccessError(404, "unknown_indicator", f"no indicator {indicator!r}")


def results(p: Principal, node: str, period: str) -> list[IndicatorResult]:
    """Every indicator of a node in scope and a period."""
    return p.state.results(str(p.node(node)), p.period(period))


def scorecard(p: Principal, node: Node, period: str) -> dict[str, Any]:
    """Every indicator of a node (already checked in scope) and period."""
    items = [r.as_dict() for r in p.state.results(str(node), period)]
    return {"node": str(node), "period": period, "items": items}


def explanation(
    p: Principal, node: Node, indicator: str, period: str, limit: int
) -> dict[str, Any]:
    """The indicator's result and the first rows behind each measure, redacted to the scope."""
    ex = p.state.explanation(str(node), indicator, period, limit)
    return {"result": ex.result.as_dict(), "measures": p.redact(measure_rows(ex.rows))}


def explanation_rows(p: Principal, node: Node, indicator: str, period: str, limit: int) -> int:
    """How many records a drill-down shows (for its audit row)."""
    ex = p.state.explanation(str(node), indicator, period, limit)
    return sum(len(m.rows) if m.rows is not None else 0 for m in ex.rows)


def light(r: dict[str, Any]) -> str:
    """Traffic light: green met, amber not met but on track to the deadline, red not met."""
    tgt, traj = r.get("target") or {}, r.get("trajectory") or {}
    if r.get("value") is None or tgt.get("met") is None:
        return "grey"
    if tgt["met"]:
        return "green"
    return "amber" if traj.get("will_meet") else "red"


def _row(r: IndicatorResult) -> dict[str, Any]:
    d = r.as_dict()
    d.pop("parts", None)
    d["formatted"] = r.formatted()
    d["light"] = light(d)
    return d


def overview(p: Principal, node: str, period: str, query: str = "") -> dict[str, Any]:
    """The node's scorecard: the targets binding it (with traffic lights) first, then every
    other applicable indicator grouped by catalog; those not applicable here listed apart."""
    n = p.node(node)

    def build() -> dict[str, Any]:
        results = p.state.results(str(n), period)
        grouped = indicators_svc.group_scorecard(results, query)
        groups = [g | {"items": [_row(r) for r in g["items"]]} for g in grouped["groups"]]
        return {
            "node": str(n),
            "node_name": results[0].node_name if results else "",
            "period": period,
            "query": query,
            "items": groups[0]["items"],  # the targets: the chart and the first table
            "groups": groups[1:],
            "not_applicable": [_row(r) for r in grouped["not_applicable"]],
            "counts": grouped["counts"],
        }  # = services' group_scorecard

    key = ("overview", str(n), period, query)
    return {**p.state.memo(key, build), "nodes": list(p.user.nodes)}


def grouped_scorecard(p: Principal, node: Node, period: str, query: str) -> dict[str, Any]:
    """Every applicable indicator of a node (already checked in scope), grouped: policy targets
    first, then each catalog; the indicators not applicable here listed apart with the reason."""
    grouped = indicators_svc.group_scorecard(p.state.results(str(node), period), query)
    return {
        "node": str(node),
        "period": period,
        "query": grouped["query"],
        "counts": grouped["counts"],
        "groups": [g | {"items": _result_rows(g["items"])} for g in grouped["groups"]],
        "not_applicable": _result_rows(grouped["not_applicable"]),
    }


def _result_rows(items: list[IndicatorResult]) -> list[dict[str, Any]]:
    return [r.as_dict() | {"formatted": r.formatted()} for r in items]


def drill(p: Principal, node: str, indicator: str, period: str) -> dict[str, Any]:
    """Node → its institutions in scope (same indicator each) → the records behind the
    node's value (redacted; the read is audited with its row count)."""
    check_indicator(indicator)
    n = p.node(node)

    def build() -> dict[str, Any]:
        (top,) = p.state.results(str(n), period, [indicator])
        with p.state.tables() as wh:
            members = sorted(
                p.state.memo(("members", str(n)), lambda: hierarchy.members(wh, n))
                & p.scope.institutions
            )
        per_inst = [p.state.results(f"inst:{i}", period, [indicator])[0] for i in members]
        return {
            "node": str(n),
            "period": period,
            "result": _row(top),
            "institutions": [_row(r) for r in per_inst],
            "measures": explanation(p, n, indicator, period, 20)["measures"],
        }

    # the institutions shown and the rows redacted depend on the scope: part of the key
    data: dict[str, Any] = p.state.memo(
        ("drill", str(n), indicator, period, p.scope.institutions), build
    )
    p.audit_read(
        f"drill-down {indicator}",
        sum(len(m["rows"]) for m in data["measures"]),
        node=str(n),
        period=period,
    )
    return data
