"""Cockpit read pages: the overview of a node, the indicator scorecard (catalog), an
indicator's page (time series, children, definition, drill-down), the node picker, case mix,
data quality, shared centres, family-doctor contracts.

Each page takes ``?format=json`` and then returns the data it renders (its JSON twin). The
access guard has checked the session and the role before a handler runs; the views of
`yigong.access.views` apply the scope.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from yigong.access.http import principal, principal_async
from yigong.access.principal import Principal
from yigong.access.views import care, health, hierarchy, nodes, quality
from yigong.access.views import casemix as casemix_view
from yigong.access.views import indicator_page as ind_page
from yigong.access.views import indicators as ind
from yigong.access.views import overview as overview_view
from yigong.web.render import render

__all__ = ["Format", "IndicatorQ", "NodeQ", "PeriodQ", "YearQ", "default_period", "router"]

router = APIRouter(include_in_schema=False)
Format = Annotated[str, Query(pattern="^(html|json|csv|xlsx|pdf)$")]
YearQ = Annotated[int | None, Query(ge=1990, le=2100)]
NodeQ = Annotated[str | None, Query(max_length=80)]
PeriodQ = Annotated[str | None, Query(max_length=7)]
IndicatorQ = Annotated[str | None, Query(max_length=20, pattern=r"^[A-Za-z0-9_.-]+$")]


def default_period(p: Principal, period: str | None) -> str:
    """The period asked for, else the last year with discharges."""
    return p.period(period) if period else hierarchy.default_period(p)


@router.get("/")
async def overview(
    request: Request,
    node: NodeQ = None,
    period: PeriodQ = None,
    indicator: IndicatorQ = None,
    by: Annotated[str, Query(pattern="^(admin|community)$")] = "admin",
    format: Format = "html",
) -> Response:
    """The node's overview: KPI tiles, trajectories, ranking, map and referral flows. Its JSON
    twin is the JSON bytes of ``GET /api/v1/nodes/{node}/overview``, from the same cache entry
    (answered on the event loop once cached)."""
    p = await principal_async(request)
    if format == "json":
        n = await p.node_async(node or p.home())
        code = p.period(period) if period else await run_in_threadpool(default_period, p, None)
        body, _ = await p.state.json_bytes(
            overview_view.json_key(p, n, code, indicator, by),
            lambda: overview_view.overview(p, str(n), code, indicator, by),
        )
        return Response(body, media_type="application/json")

    def page() -> Response:
        data = overview_view.overview(p, node or p.home(), default_period(p, period), indicator, by)
        return render(request, "overview.html", data, format)

    return await run_in_threadpool(page)


@router.get("/indicators")
def scorecard(
    request: Request,
    node: NodeQ = None,
    period: PeriodQ = None,
    q: Annotated[str, Query(max_length=100)] = "",
    format: Format = "html",
) -> Response:
    """Every indicator of the node, grouped (targets first, then each catalog), searchable."""
    p = principal(request)
    data = ind.overview(p, node or p.home(), default_period(p, period), q.strip())
    return render(request, "indicators.html", data, format)


@router.get("/nodes/{node}/indicators/{indicator}")
def drill(
    request: Request,
    node: str,
    indicator: str,
    period: PeriodQ = None,
    page: Annotated[int, Query(ge=1, le=10**6)] = 1,
    rows: Annotated[int, Query(ge=1, le=10**6)] = 1,
    format: Format = "html",
) -> Response:
    """One indicator at a node: time series, children compared, definition and source, the
    institutions (paged, only those it applies to) and the records behind the value (paged)."""
    p = principal(request)
    size = 10_000 if format in ("csv", "xlsx") else None
    data = ind_page.indicator_page(p, node, indicator, default_period(p, period), page, rows, size)
    return render(request, "drill.html", data, format)


@router.get("/tree")
def tree(
    request: Request,
    q: Annotated[str, Query(max_length=100)] = "",
    back: Annotated[str, Query(max_length=2000)] = "/",
    format: Format = "html",
) -> Response:
    """The node picker: both hierarchies (administrative divisions, medical communities) with
    their institutions, searchable; each node links back to the page it was opened from."""
    p = principal(request)
    target = back if back.startswith("/") and not back.startswith(("//", "/\\")) else "/"
    data = {**nodes.picker_tree(p, q), "back": target, "home": p.home()}
    return render(request, "tree.html", data, format)


@router.get("/casemix")
def casemix(
    request: Request, node: str | None = None, period: str | None = None, format: Format = "html"
) -> Response:
    p = principal(request)
    data = casemix_view.casemix(p, node or p.home(), default_period(p, period))
    return render(request, "casemix.html", data, format)


@router.get("/quality")
def quality_page(
    request: Request, page: Annotated[int, Query(ge=1, le=10**6)] = 1, format: Format = "html"
) -> Response:
    """Quarantined rows (100 a page; a download holds them all), or counts by rule."""
    size = 1_000_000 if format in ("csv", "xlsx") else 100
    data = quality.quarantine(principal(request), size, (page - 1) * size)
    return render(request, "quality.html", {**data, "page": page}, format)


@router.get("/centres")
def centres(request: Request, year: YearQ = None, format: Format = "html") -> Response:
    p = principal(request)
    data = care.centres(p, year or int(default_period(p, None)[:4]))
    return render(request, "centres.html", data, format)


@router.get("/health")
def public_health(
    request: Request,
    year: YearQ = None,
    team: Annotated[str | None, Query(max_length=40)] = None,
    institution: Annotated[str | None, Query(max_length=40)] = None,
    node: NodeQ = None,
    period: PeriodQ = None,
    format: Format = "html",
) -> Response:
    """A team's or a village doctor's public-health page: overdue list, register, assessment."""
    p = principal(request)
    # a period chosen in the period picker wins over the year of the link it came from
    y = int(p.period(period)[:4]) if period else year or int(default_period(p, None)[:4])
    if node and node.startswith("inst:") and not (team or institution):
        institution = node[5:]  # the node picker chose an institution
    data = health.health(p, y, team or None, institution or None)
    who = data.get("who") or {}
    if who.get("institution_id") and format != "json":  # breadcrumbs, period picker (a year)
        data = {**data, "node": f"inst:{who['institution_id']}", "period": str(y)}
    return render(request, "health.html", data, format)


@router.get("/contracts")
def contracts(
    request: Request,
    year: YearQ = None,
    node: Annotated[str | None, Query(max_length=80)] = None,
    format: Format = "html",
) -> Response:
    p = principal(request)
    data = care.contracts(p, year or int(default_period(p, None)[:4]), node or None)
    return render(request, "contracts.html", data, format)
