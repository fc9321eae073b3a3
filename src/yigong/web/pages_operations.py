"""Cockpit pages of hospital operations: budget execution, department costs, DRG profit and
loss, pay checks — each the HTML of a view of `yigong.access.views.operations` and, with
``?format=json``, its JSON twin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from yigong.access.http import principal
from yigong.access.views import operations as view
from yigong.web.pages import Format, YearQ, default_period
from yigong.web.render import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
NodeQ = Annotated[str | None, Query(max_length=80)]
MonthQ = Annotated[int | None, Query(ge=1, le=12)]
ByQ = Annotated[str, Query(pattern="^(group|department|doctor|institution)$")]


def _year(request: Request, year: int | None) -> int:
    return year or int(default_period(principal(request), None)[:4])


@router.get("/operations/budget")
def budget(request: Request, node: NodeQ = None, year: YearQ = None, through_month: MonthQ = None,
           format: Format = "html") -> Response:  # fmt: skip
    p = principal(request)
    data = view.budget(p, node or p.home(), _year(request, year), through_month)
    return render(request, "operations_budget.html", data, format)


@router.get("/operations/costs")
def costs(request: Request, node: NodeQ = None, year: YearQ = None,
          format: Format = "html") -> Response:  # fmt: skip
    p = principal(request)
    data = view.costs(p, node or p.home(), _year(request, year))
    return render(request, "operations_costs.html", data, format)


@router.get("/operations/drg-pnl")
def drg_pnl(request: Request, node: NodeQ = None, year: YearQ = None, by: ByQ = "group",
            institution: Annotated[str | None, Query(max_length=40)] = None,
            format: Format = "html") -> Response:  # fmt: skip
    p = principal(request)
    data = view.drg_pnl(p, node or p.home(), _year(request, year), by, institution)
    return render(request, "operations_pnl.html", data, format)


@router.get("/operations/pay-checks")
def pay_checks(request: Request, node: NodeQ = None, year: YearQ = None,
               format: Format = "html") -> Response:  # fmt: skip
    p = principal(request)
    data = view.pay_checks(p, node or p.home(), _year(request, year))
    return render(request, "operations_pay.html", data, format)
