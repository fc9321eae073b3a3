"""Cockpit pages of the referral inbox (with the steps an institution may take on its own
referrals) and of the global budget, its ledger and statements (with the insurance bureau's
*compute the run* button). Every form carries the session's CSRF token and names its action;
the access guard checks both, and the Origin, before the handler runs."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from yigong.access.http import principal
from yigong.access.principal import Principal
from yigong.access.views import nodes, settlement
from yigong.access.views import referrals as ref
from yigong.access.views.fund_progress import fund_progress
from yigong.warehouse.hierarchy import Node, NodeKind
from yigong.web.pages import Format, NodeQ, PeriodQ, YearQ, default_period
from yigong.web.render import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
CountyQ = Annotated[str | None, Query(pattern=r"^\d{6}$")]


@router.get("/referrals")
def referrals(
    request: Request,
    status: Annotated[str | None, Query(max_length=40)] = None,
    page: Annotated[int, Query(ge=1, le=10**6)] = 1,
    done: Annotated[str | None, Query(max_length=80)] = None,
    done_status: Annotated[str | None, Query(max_length=40)] = None,
    format: Format = "html",
) -> Response:
    p = principal(request)
    data = ref.inbox(p, status or None, page)  # the form's "all statuses" sends status=
    data = {
        **data,
        "statuses": list(ref.STATUSES),
        "actions": list(ref.ACTIONS) if p.can("act", "referrals") else [],
        "done": done,
        "done_status": done_status if done_status in ref.STATUSES else None,
    }
    return render(request, "referrals.html", data, format)


@router.post("/referrals/{referral_id}/act")
def referral_act(
    request: Request,
    referral_id: Annotated[str, Path(max_length=64)],
    action: Annotated[str, Form(max_length=40)],
    reason: Annotated[str, Form(max_length=2000)] = "",
    institution: Annotated[str, Form(max_length=64)] = "",
    back: Annotated[str, Form(pattern="^(inbox|detail)$")] = "inbox",
) -> Response:
    """One step on a referral from the inbox's or the referral's form, then back there."""
    p = principal(request)
    done = ref.act(p, referral_id, action, reason or None, institution or None)
    if back == "detail":
        return RedirectResponse(
            f"/referrals/{quote(done['referral_id'])}?done={quote(done['status'])}",
            status_code=303,
        )
    return RedirectResponse(
        f"/referrals?done={quote(done['referral_id'])}&done_status={quote(done['status'])}",
        status_code=303,
    )


def _county_year(
    p: Principal,
    county: str | None,
    year: int | None,
    node: str | None = None,
    period: str | None = None,
) -> tuple[str, int]:
    """The county-year a money page shows: ``node`` (its county) and ``period`` (its year) from
    the navigation win over ``county`` and ``year``; else the user's county and the last year
    with data."""
    if node:
        c = nodes.node_county(p, p.node(node))
        county = c or county
    if period:
        year = int(p.period(period)[:4])
    return county or settlement.default_county(p), year or int(default_period(p, None)[:4])


def _nav(p: Principal, county: str, year: int) -> dict[str, Any]:
    """What the navigation shows on a money page: the county as its node, the year."""

    node = f"division:{county}"
    name = nodes.hierarchy(p).name(Node(NodeKind.DIVISION, county))
    return {"node": node, "period": str(year), "county_name": name or county}


@router.get("/settlement")
def budget(
    request: Request,
    county: CountyQ = None,
    year: YearQ = None,
    node: NodeQ = None,
    period: PeriodQ = None,
    format: Format = "html",
) -> Response:
    """The global budget per community with the county total, and fund use against time
    elapsed with its early warning."""
    p = principal(request)
    c, y = _county_year(p, county, year, node, period)
    data = {
        **settlement.budget(p, c, y),
        "can_run": p.can("act", "settlement"),
        "progress": fund_progress(p, c, y),
        **_nav(p, c, y),
    }
    return render(request, "settlement.html", data, format)


@router.post("/settlement/run")
def run(
    request: Request,
    county: Annotated[str, Form(pattern=r"^\d{6}$")],
    year: Annotated[int, Form(ge=1990, le=2100)],
) -> Response:
    """Compute the county-year's run (the insurance bureau), then back to the budget page."""
    settlement.compute_run(principal(request), county, year)
    return RedirectResponse(f"/settlement?county={county}&year={year}", status_code=303)


@router.get("/settlement/ledger")
def ledger(
    request: Request,
    county: CountyQ = None,
    year: YearQ = None,
    account: Annotated[str | None, Query(max_length=120)] = None,
    community: Annotated[str | None, Query(max_length=64)] = None,
    month: Annotated[str | None, Query(max_length=7)] = None,
    page: Annotated[int, Query(ge=1, le=10**6)] = 1,
    node: NodeQ = None,
    period: PeriodQ = None,
    format: Format = "html",
) -> Response:
    """The ledger lines the user may see, filtered; a download holds every filtered line."""
    p = principal(request)
    c, y = _county_year(p, county, year, node, period)
    data = settlement.ledger_page(
        p,
        c,
        y,
        account=account or None,
        community=community or None,
        month=month or None,
        page=page,
        page_size=1_000_000 if format in ("csv", "xlsx") else None,
    )
    data = {**data, "can_run": p.can("act", "settlement"), **_nav(p, c, y)}
    return render(request, "ledger.html", data, format)


@router.get("/settlement/ledger/{line_id}")
def ledger_explain(
    request: Request,
    line_id: Annotated[str, Path(pattern=r"^L\d{7}$")],
    county: CountyQ = None,
    year: YearQ = None,
    format: Format = "html",
) -> Response:
    p = principal(request)
    c, y = _county_year(p, county, year)
    data = {**settlement.explain(p, c, y, line_id), **_nav(p, c, y)}
    return render(request, "explain.html", data, format)


@router.get("/settlement/statements")
def statements(
    request: Request,
    county: CountyQ = None,
    year: YearQ = None,
    community: Annotated[str | None, Query(max_length=64)] = None,
    node: NodeQ = None,
    period: PeriodQ = None,
    format: Format = "html",
) -> Response:
    p = principal(request)
    c, y = _county_year(p, county, year, node, period)
    data = settlement.statements(p, c, y, community or None)
    data = {**data, "can_run": p.can("act", "settlement"), **_nav(p, c, y)}
    return render(request, "statements.html", data, format)


def _download(
    request: Request, county: str | None, year: int | None, community: str, fmt: str
) -> Response:
    p = principal(request)
    c, y = _county_year(p, county, year)
    data, media, name = settlement.statement_file(p, c, y, community, fmt)
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/settlement/statements.csv")
def statement_csv(
    request: Request,
    community: Annotated[str, Query(max_length=64)],
    county: CountyQ = None,
    year: YearQ = None,
) -> Response:
    return _download(request, county, year, community, "csv")


@router.get("/settlement/statements.xlsx")
def statement_xlsx(
    request: Request,
    community: Annotated[str, Query(max_length=64)],
    county: CountyQ = None,
    year: YearQ = None,
) -> Response:
    return _download(request, county, year, community, "xlsx")
