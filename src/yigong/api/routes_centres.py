"""Shared diagnostic centres and family-doctor contracts (graded care), from the workflow store.

Scope rule: a centre request counts when its requesting or its centre institution is in the
user's scope; a centre outside the scope is shown as ``(outside scope)``. Contracts count when
their team belongs to an institution in scope. A user whose scope covers every institution sees
everything. Contract coverage is the indicator C09 (contracts in force ÷ resident population)
of a node inside the scope (403 ``outside_scope`` otherwise), with its target when one is set.
Both are computed once per scope and year and reused for ``settings.cache_seconds`` (the store
changes only through the workflow, which these pages do not write).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from yigong.api.context import CurrentUser, Principal
from yigong.api.errors import ERROR_RESPONSES
from yigong.api.routes_care import Year

__all__ = ["centres_view", "contracts_view", "router"]

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)
OUTSIDE = "(outside scope)"
COVERAGE = "C09"
Node = Annotated[
    str | None,
    Query(
        max_length=80,
        description="node for the coverage indicator (default: the user's first node)",
    ),
]


def _institutions(p: Principal) -> frozenset[str] | None:
    return None if p.scope.covers_everything else p.scope.institutions


def centres_view(p: Principal, year: int) -> dict[str, Any]:
    """Requests, turnaround p50/p90, recognition rate and avoided savings per centre and month
    (``month == "all"``: the centre's year), requests in scope only."""
    from yigong.services.centres import centre_activity

    scope = _institutions(p)
    rows = [
        dict(r)
        for r in p.state.memo(  # copied: the memoised rows stay unmasked
            ("centres", year, scope), lambda: centre_activity(p.state.workflow(), scope, year)
        )
    ]
    for r in rows:
        centre = str(r["centre_institution"])
        inside = centre in p.scope.institutions
        r["centre_institution"] = centre if inside else OUTSIDE
        r["centre_name"] = p.scope.names.get(centre, "") if inside else ""
    return {"year": year, "items": rows}


def contracts_view(p: Principal, year: int, node: str | None) -> dict[str, Any]:
    """Contracts of the teams in scope starting in ``year``, the fee distribution check per
    team, and the node's contract coverage (indicator C09) against its target."""
    from yigong.services.contracts import contract_overview
    from yigong.warehouse.hierarchy import UnknownNode

    n = p.node(node or p.user.nodes[0])
    try:
        (result,) = p.state.results(str(n), str(year), [COVERAGE])
    except UnknownNode as exc:  # e.g. the node's division did not exist in that year
        coverage: dict[str, Any] = {
            "indicator": COVERAGE,
            "value": None,
            "numerator": None,
            "denominator": None,
            "target": None,
            "formatted": "—",
            "status": "not_computable",
            "note": str(exc),
        }
    else:
        coverage = result.as_dict()
        coverage.pop("parts", None)
        coverage["formatted"] = result.formatted()
    scope = _institutions(p)
    overview = p.state.memo(
        ("contracts", year, scope), lambda: contract_overview(p.state.workflow(), year, scope)
    )
    teams = [
        {**t, "name_zh": p.scope.names.get(t["institution_id"], "")}
        for t in overview["distribution"]
    ]
    return {**overview, "distribution": teams, "node": str(n), "coverage": coverage}


@router.get("/centres", tags=["graded care"])
def centres(p: CurrentUser, year: Year) -> dict[str, Any]:
    """Shared diagnostic centres per centre and month: requests, reported, turnaround p50/p90
    (minutes) and within target, repeats flagged, recognition rate (recognised/decided) and
    avoided-duplicate savings (yuan); only requests touching the user's scope."""
    return centres_view(p, year)


@router.get("/contracts", tags=["graded care"])
def contracts(p: CurrentUser, year: Year, node: Node = None) -> dict[str, Any]:
    """Family-doctor contracts of teams in scope starting in ``year``: by key population,
    status, services delivered, contracts served, fees, the ≥ 70 % team-share check per team,
    and coverage (C09) of the node against its target."""
    return contracts_view(p, year, node)
