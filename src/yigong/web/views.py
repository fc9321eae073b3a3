"""What each cockpit page shows, as plain data (the JSON twin is exactly this)."""

from __future__ import annotations

from typing import Any

from yigong.api.context import Principal
from yigong.indicators.evaluate import IndicatorResult
from yigong.services import casemix_report, hierarchy, quality, tables
from yigong.services import indicators as indicators_svc

__all__ = [
    "casemix_view",
    "centres_view",
    "contracts_view",
    "drill_view",
    "explain_view",
    "ledger_view",
    "light",
    "overview_view",
    "quality_view",
    "referrals_view",
    "settlement_view",
    "statements_view",
    "tree_view",
]


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


def overview_view(p: Principal, node: str, period: str, query: str = "") -> dict[str, Any]:
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


def drill_view(p: Principal, node: str, indicator: str, period: str) -> dict[str, Any]:
    """Node → its institutions (same indicator each) → the records behind the node's value."""
    n = p.node(node)

    def build() -> dict[str, Any]:
        (top,) = p.state.results(str(n), period, [indicator])
        with p.state.tables() as wh:
            members = sorted(
                p.state.memo(("members", str(n)), lambda: hierarchy.members(wh, n))
                & p.scope.institutions
            )
        per_inst = [p.state.results(f"inst:{i}", period, [indicator])[0] for i in members]
        ex = p.state.explanation(str(n), indicator, period, 20)
        measures = tables.measure_rows(ex.rows, p.scope.hidden)
        return {
            "node": str(n),
            "period": period,
            "result": _row(top),
            "institutions": [_row(r) for r in per_inst],
            "measures": measures,
        }

    # the institutions shown and the rows redacted depend on the scope: part of the key
    key = ("drill", str(n), indicator, period, p.scope.institutions)
    return p.state.memo(key, build)  # type: ignore[no-any-return]


def tree_view(p: Principal) -> dict[str, Any]:
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
    by_inst: dict[str, dict[str, Any]] = {}
    for link in links:
        if link["institution_id"] in p.scope.institutions:
            by_inst[link["institution_id"]] = link
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
    return {"communities": list(groups.values())}


def casemix_view(p: Principal, node: str, period: str) -> dict[str, Any]:
    """Case mix of the node's institutions in scope: CMI, DRGs, cost and time indices."""
    n = p.node(node)
    with p.state.tables() as wh:
        members = hierarchy.members(wh, n) & p.scope.institutions
        rows = casemix_report.casemix_by_institution(wh, members, period, None)
    for r in rows:
        r["name_zh"] = p.scope.names.get(r["institution_id"], "")
    return {"node": str(n), "period": period, "items": rows}


def quality_view(p: Principal) -> dict[str, Any]:
    """Ingest quarantine: rows (whole-warehouse users) or counts by table and rule."""
    detailed = p.scope.covers_everything
    with p.state.tables() as wh:
        total, rows = quality.quarantine(wh, detailed, 500, 0)
    return {"detailed": detailed, "total": total, "items": rows}


def settlement_view(p: Principal, county: str, year: int) -> dict[str, Any]:
    """The communities' global budget in scope, or the engine's reason it cannot run."""
    from yigong.api.budget import budget_rows

    return budget_rows(p, county, year)


def referrals_view(p: Principal, status: str | None, page: int) -> dict[str, Any]:
    """The referral inbox of the user's institutions (50 a page, newest first)."""
    from yigong.api import referrals

    return {
        **referrals.inbox(p, status, 50, (page - 1) * 50),
        "page": page,
        "statuses": list(referrals.STATUSES),
    }


def ledger_view(
    p: Principal,
    county: str,
    year: int,
    account: str | None,
    community: str | None,
    month: str | None,
    page: int,
) -> dict[str, Any]:
    """Ledger lines of the county's budget run in scope, filtered, 50 a page."""
    from yigong.api.settlement_run import ledger_page

    return ledger_page(
        p, county, year, account=account, community=community, month=month, page=page
    )


def explain_view(p: Principal, county: str, year: int, line_id: str) -> dict[str, Any]:
    """One ledger line as `yigong settle explain` explains it."""
    from yigong.api.settlement_run import explain

    return explain(p, county, year, line_id)


def statements_view(p: Principal, county: str, year: int, community: str | None) -> dict[str, Any]:
    """The monthly statements of the communities in scope (one, if asked)."""
    from yigong.api.settlement_run import STATEMENT_COLUMNS, statements

    return {
        **statements(p, county, year, community),
        "columns": list(STATEMENT_COLUMNS),
        "community": community,
    }


def centres_view(p: Principal, year: int) -> dict[str, Any]:
    """Shared centres per centre and month (requests touching the scope)."""
    from yigong.api.routes_centres import centres_view as view

    return view(p, year)


def contracts_view(p: Principal, year: int, node: str | None) -> dict[str, Any]:
    """Family-doctor contracts of the teams in scope, coverage and the fee check."""
    from yigong.api.routes_centres import contracts_view as view

    return view(p, year, node)


def screening_view(p: Principal, period: str | None, rule: str | None, page: int) -> dict[str, Any]:
    """Fund-supervision flags of the institutions in scope (the API's `flags_page`), 50 a page,
    with each rule's names, severity and the policy text it serves."""
    from yigong.services.screening import flags_page, rules

    scope = None if p.scope.covers_everything else p.scope.institutions

    def build() -> dict[str, Any]:
        with p.state.tables() as wh:
            return flags_page(wh, scope, period=period, rule_id=rule, page=page)

    data = p.state.memo(("screening", scope, period, rule, page), build)  # shared with the API
    known = rules().rules
    return {
        **data,
        "period": period,
        "rule": rule,
        "rules": [
            {
                "id": r.id,
                "name_zh": r.name_zh,
                "name_en": r.name_en,
                "severity": str(getattr(r.severity, "value", r.severity)),
                "policy": r.policy.model_dump(mode="json"),
            }
            for r in known.values()
        ],
    }
