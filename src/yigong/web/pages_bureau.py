"""Cockpit pages of the insurance bureau's desk: the fund (coverage, fund running, progress),
designated providers and their agreements (with the annual assessment) and payment by method
(with the insurance bureau's *compute the runs* button). Each page has its JSON twin
(``?format=json``); the views of `yigong.access.views.bureau` apply the scope."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from yigong.access.http import principal
from yigong.access.views import bureau, nodes
from yigong.access.views import settlement as settlement_view
from yigong.warehouse.hierarchy import Node, NodeKind
from yigong.web.pages import Format, YearQ, default_period
from yigong.web.render import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
CountyQ = Annotated[str | None, Query(pattern=r"^\d{6}$")]


def _county_year(request: Request, county: str | None, year: int | None) -> tuple[str, int]:
    """The county and year asked for: the node picker's county (``?node=division:…``) and the
    period picker's year (``?period=…``) win over ``county``/``year`` of the link they came
    from; else the user's county and the last year with data."""
    p = principal(request)
    node = request.query_params.get("node", "")
    period = request.query_params.get("period", "")
    if node.startswith("division:") and len(node) >= 15:
        county = node[9:15]
    y = int(p.period(period)[:4]) if period else year or int(default_period(p, None)[:4])
    return county or settlement_view.default_county(p), y


def _page(request: Request, data: dict[str, Any], fmt: str) -> dict[str, Any]:
    """The desk's answer with the county's name, its node and period for the breadcrumbs and
    the pickers (a year); the JSON twin stays the API's answer."""
    if fmt == "json":
        return data

    county = str(data.get("county") or "")
    crumbs = nodes.breadcrumbs(principal(request), Node(NodeKind.DIVISION, county))
    name = crumbs[-1]["name"] if crumbs else county
    return {**data, "county_name": name, "node": f"division:{county}", "period": str(data["year"])}


@router.get("/bureau/fund")
def fund(
    request: Request, county: CountyQ = None, year: YearQ = None, format: Format = "html"
) -> Response:
    c, y = _county_year(request, county, year)
    data = _page(request, bureau.fund(principal(request), c, y), format)
    return render(request, "bureau_fund.html", data, format)


@router.get("/bureau/agreements")
def agreements(
    request: Request, county: CountyQ = None, year: YearQ = None, format: Format = "html"
) -> Response:
    c, y = _county_year(request, county, year)
    data = _page(request, bureau.agreements(principal(request), c, y), format)
    return render(request, "bureau_agreements.html", data, format)


@router.get("/bureau/methods")
def methods(
    request: Request, county: CountyQ = None, year: YearQ = None, format: Format = "html"
) -> Response:
    p = principal(request)
    c, y = _county_year(request, county, year)
    data = {**bureau.methods(p, c, y), "can_run": p.can("act", "settlement")}
    data = _page(request, data, format)
    return render(request, "bureau_methods.html", data, format)


@router.post("/bureau/methods/run")
def methods_run(
    request: Request,
    county: Annotated[str, Form(pattern=r"^\d{6}$")],
    year: Annotated[int, Form(ge=1990, le=2100)],
) -> Response:
    """Compute every method's run (the insurance bureau), then back to the page."""
    bureau.compute_methods(principal(request), county, year)
    return RedirectResponse(f"/bureau/methods?county={county}&year={year}", status_code=303)
