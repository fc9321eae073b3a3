"""Cockpit read pages: target scorecard, drill-down, institution tree, case mix, data quality,
shared centres, family-doctor contracts, fund-supervision screening.

Each page takes ``?format=json`` and then returns the data it renders (its JSON twin). The
access guard has checked the session and the role before a handler runs; the views of
`yigong.access.views` apply the scope.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from yigong.access.http import principal
from yigong.access.principal import Principal
from yigong.access.views import care, hierarchy, quality
from yigong.access.views import casemix as casemix_view
from yigong.access.views import indicators as ind
from yigong.access.views import screening as screening_view
from yigong.web.render import render

__all__ = ["Format", "YearQ", "default_period", "router"]

router = APIRouter(include_in_schema=False)
Format = Annotated[str, Query(pattern="^(html|json)$")]
YearQ = Annotated[int | None, Query(ge=1990, le=2100)]


def default_period(p: Principal, period: str | None) -> str:
    """The period asked for, else the last year with discharges."""
    return p.period(period) if period else hierarchy.default_period(p)


@router.get("/")
def overview(
    request: Request,
    node: str | None = None,
    period: str | None = None,
    q: Annotated[str, Query(max_length=100)] = "",
    format: Format = "html",
) -> Response:
    p = principal(request)
    data = ind.overview(p, node or p.home(), default_period(p, period), q.strip())
    return render(request, "overview.html", data, format)


@router.get("/nodes/{node}/indicators/{indicator}")
def drill(
    request: Request, node: str, indicator: str, period: str | None = None, format: Format = "html"
) -> Response:
    p = principal(request)
    data = ind.drill(p, node, indicator, default_period(p, period))
    return render(request, "drill.html", data, format)


@router.get("/tree")
def tree(request: Request, format: Format = "html") -> Response:
    return render(request, "tree.html", hierarchy.tree(principal(request)), format)


@router.get("/casemix")
def casemix(
    request: Request, node: str | None = None, period: str | None = None, format: Format = "html"
) -> Response:
    p = principal(request)
    data = casemix_view.casemix(p, node or p.home(), default_period(p, period))
    return render(request, "casemix.html", data, format)


@router.get("/quality")
def quality_page(request: Request, format: Format = "html") -> Response:
    return render(request, "quality.html", quality.quarantine(principal(request), 500, 0), format)


@router.get("/centres")
def centres(request: Request, year: YearQ = None, format: Format = "html") -> Response:
    p = principal(request)
    data = care.centres(p, year or int(default_period(p, None)[:4]))
    return render(request, "centres.html", data, format)


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


@router.get("/screening")
def screening(
    request: Request,
    period: Annotated[str | None, Query(pattern=r"^\d{4}(Q[1-4]|\d{2})?$")] = None,
    rule: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{0,60}$")] = None,
    page: Annotated[int, Query(ge=1, le=10**6)] = 1,
    format: Format = "html",
) -> Response:
    """Fund-supervision screening flags in scope, most severe rules first, then furthest past
    their threshold."""
    p = principal(request)
    period = period or default_period(p, None)[:4]
    data = screening_view.flags(p, period, rule or None, page)
    data = {**data, "period": period, "rule": rule or None, "rules": screening_view.rules()}
    return render(request, "screening.html", data, format)
