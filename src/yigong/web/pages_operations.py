"""Cockpit pages of hospital operations: budget execution, department costs, DRG profit and
loss, pay checks — each the HTML of a view of `yigong.access.views.operations` and, with
``?format=json``, its JSON twin.

Like every cockpit page with a node they carry the breadcrumbs, the node picker and the period
picker (``?node=…&period=…``): the operations reports are yearly, so a period names its year
(and, for budget execution, a quarter or month is executed through that quarter's or month's
end). ``?year=`` still works for old links.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from yigong.access.http import principal
from yigong.access.principal import Principal
from yigong.access.views import nodes
from yigong.access.views import operations as view
from yigong.warehouse.hierarchy import parse_node
from yigong.web.pages import Format, NodeQ, PeriodQ, YearQ, default_period
from yigong.web.render import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
#: the month a budget is executed through; the form's "whole year" sends it empty
MonthQ = Annotated[str | None, Query(pattern=r"^([1-9]|0[1-9]|1[0-2])?$")]
ByQ = Annotated[str, Query(pattern="^(group|department|doctor|institution)$")]
InstitutionQ = Annotated[str | None, Query(max_length=40, pattern=r"^[A-Za-z0-9_.-]*$")]
AccountQ = Annotated[str | None, Query(max_length=60, pattern=r"^[a-z0-9_]*$")]


def _year(p: Principal, year: int | None, period: str | None) -> int:
    """The period picker's year, else ``?year=``, else the last year with data."""
    if period:
        return int(p.period(period)[:4])
    return year or int(default_period(p, None)[:4])


def _through(period: str | None, through_month: int | None) -> int | None:
    """The month a budget is executed through: asked for, else the end of a quarter or month
    period (``2024Q2`` → 6, ``202403`` → 3), else the whole year (None)."""
    if through_month or not period or len(period) == 4:
        return through_month
    if "Q" in period:
        return int(period[-1]) * 3
    return int(period[4:6])


def _page(p: Principal, data: dict[str, Any], period: str, fmt: str) -> dict[str, Any]:
    """The view's answer with the node's name and the period the pickers show (the JSON twin
    stays the API's answer)."""
    if fmt == "json":
        return data
    crumbs = nodes.breadcrumbs(p, parse_node(str(data["node"])))
    return {**data, "node_name": crumbs[-1]["name"] if crumbs else "", "period": period}


@router.get("/operations/budget")
def budget(request: Request, node: NodeQ = None, year: YearQ = None, period: PeriodQ = None,
           through_month: MonthQ = None, institution: InstitutionQ = None,
           account: AccountQ = None, alerts_only: bool = False,
           page: Annotated[int, Query(ge=1, le=10**6)] = 1,
           format: Format = "html") -> Response:  # fmt: skip
    """Budget execution, readable on a phone: the institutions summed up first, then the lines
    filtered and paged, the first alerts and adjustment steps (`view.budget_page`). The JSON
    twin is this same view; a CSV or Excel download holds every filtered row."""
    p = principal(request)
    period = p.period(period) if period else None
    y = _year(p, year, period)
    month = _through(period, int(through_month) if through_month else None)
    data = view.budget(p, node or p.home(), y, month)
    everything = format in ("csv", "xlsx")
    data = view.budget_page(
        data,
        institution=institution or None,
        account=account or None,
        alerts_only=alerts_only,
        page=page,
        size=None if everything else view.BUDGET_PAGE,
        top=None if everything else view.BUDGET_TOP,
    )
    shown = period if period and month == _through(period, None) else str(y)
    crumbs = nodes.breadcrumbs(p, parse_node(str(data["node"])))
    data = {**data, "node_name": crumbs[-1]["name"] if crumbs else "", "period": shown}
    return render(request, "operations_budget.html", data, format)


@router.get("/operations/costs")
def costs(request: Request, node: NodeQ = None, year: YearQ = None, period: PeriodQ = None,
          format: Format = "html") -> Response:  # fmt: skip
    p = principal(request)
    y = _year(p, year, period)
    data = view.costs(p, node or p.home(), y)
    return render(request, "operations_costs.html", _page(p, data, str(y), format), format)


@router.get("/operations/drg-pnl")
def drg_pnl(request: Request, node: NodeQ = None, year: YearQ = None, period: PeriodQ = None,
            by: ByQ = "group", institution: Annotated[str | None, Query(max_length=40)] = None,
            format: Format = "html") -> Response:  # fmt: skip
    p = principal(request)
    y = _year(p, year, period)
    data = view.drg_pnl(p, node or p.home(), y, by, institution or None)
    return render(request, "operations_pnl.html", _page(p, data, str(y), format), format)


@router.get("/operations/pay-checks")
def pay_checks(request: Request, node: NodeQ = None, year: YearQ = None, period: PeriodQ = None,
               format: Format = "html") -> Response:  # fmt: skip
    p = principal(request)
    y = _year(p, year, period)
    data = view.pay_checks(p, node or p.home(), y)
    return render(request, "operations_pay.html", _page(p, data, str(y), format), format)
