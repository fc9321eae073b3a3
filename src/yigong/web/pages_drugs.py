"""Cockpit pages of drugs and itemised charges: ``/drugs`` (volume-based procurement and the
retained fund, drug-use monitoring per prescriber) and ``/charges`` (the price-adjustment
simulation, the itemised stays and one stay's daily charge list) — each the HTML of views of
`yigong.access.views.drugs` / `.charges` and, with ``?format=json``, its JSON twin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from yigong.access.http import principal
from yigong.access.views import charges as charges_view
from yigong.access.views import drugs as drugs_view
from yigong.web.pages import Format, NodeQ, PeriodQ, default_period
from yigong.web.render import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
StayQ = Annotated[str | None, Query(max_length=64)]
IndicatorQ = Annotated[str, Query(pattern="^R0[1-8]$")]


@router.get("/drugs")
def drugs(request: Request, node: NodeQ = None, period: PeriodQ = None,
          indicator: IndicatorQ = "R03", format: Format = "html") -> Response:  # fmt: skip
    """Procurement of the period's contract year and the drug-use indicators of the period."""
    p = principal(request)
    node = node or p.home()
    period = default_period(p, period)
    use = drugs_view.drug_use(p, node, period, indicator)
    data = {
        "node": use["node"],
        "node_name": use["node_name"],
        "period": period,
        "procurement": drugs_view.procurement(p, node, int(period[:4])),
        "use": use,
    }
    return render(request, "drugs.html", data, format)


@router.get("/charges")
def charges(request: Request, node: NodeQ = None, period: PeriodQ = None, stay: StayQ = None,
            force: bool = False, format: Format = "html") -> Response:  # fmt: skip
    """The price simulation and the itemised stays of the node and year; with ``stay``, that
    stay's daily charge list."""
    p = principal(request)
    node = node or p.home()
    period = default_period(p, period)
    year = int(period[:4])
    sim = charges_view.price_simulation(p, node, year, force)
    data = {
        "node": sim["node"],
        "node_name": sim["node_name"],
        "period": str(year),
        "simulation": sim,
        "stays": charges_view.stays(p, node, year),
        "daily": charges_view.daily_list(p, stay) if stay else None,
    }
    return render(request, "charges.html", data, format)
