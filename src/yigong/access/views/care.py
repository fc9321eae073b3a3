"""Shared diagnostic centres and family-doctor contracts (graded care), from the workflow store.

A centre request counts when its requesting or its centre institution is in scope; a centre
outside the scope is redacted (its name too). Contracts count when their team belongs to an
institution in scope. A user whose scope covers every institution sees everything. Contract
coverage is indicator C09 (contracts in force ÷ resident population) of a node inside the scope
(403 ``outside_scope`` otherwise), with its target when one is set. Both are computed once per
scope and year and reused for ``settings.cache_seconds``.
"""

from __future__ import annotations

from typing import Any

from yigong.access.errors import AccessError
from yigong.access.principal import Principal
from yigong.services.centres import centre_activity
from yigong.services.contracts import contract_overview

__all__ = ["centres", "contracts"]

COVERAGE = "C09"


def _institutions(p: Principal) -> frozenset[str] | None:
    return None if p.scope.covers_everything else p.scope.institutions


def centres(p: Principal, year: int) -> dict[str, Any]:
    """Requests, turnaround p50/p90, recognition rate and avoided savings per centre and month
    (``month == "all"``: the centre's year), requests in scope only."""

    scope = _institutions(p)
    rows = [
        {**r, "centre_name": p.scope.names.get(str(r["centre_institution"]), "")}
        for r in p.state.memo(
            ("centres", year, scope), lambda: centre_activity(p.state.workflow(), scope, year)
        )
    ]
    return {"year": year, "items": p.redact(rows)}


def contracts(p: Principal, year: int, node: str | None) -> dict[str, Any]:
    """Contracts of the teams in scope starting in ``year``, the fee distribution check per
    team, and the node's contract coverage (indicator C09) against its target."""

    n = p.node(node or p.home())
    try:
        (result,) = p.state.results(str(n), str(year), [COVERAGE])
    except AccessError as exc:  # e.g. the node's division did not exist in that year
        if exc.code != "bad_period":
            raise
        coverage: dict[str, Any] = {
            "indicator": COVERAGE,
            "value": None,
            "numerator": None,
            "denominator": None,
            "target": None,
            "formatted": "—",
            "status": "not_computable",
            "note": exc.message,
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
    return p.redact({**overview, "distribution": teams, "node": str(n), "coverage": coverage})  # type: ignore[no-any-return]
