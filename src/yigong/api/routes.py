"""The JSON endpoints under ``/api/v1``: sessions, hierarchy, indicators, case mix, DHIS2,
quarantine and exports — each a thin call into a view of `yigong.access.views`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Form, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from yigong.access.http import CurrentUser, client_address, state_of
from yigong.access.views import account, exports, hierarchy, quality
from yigong.access.views import casemix as casemix_view
from yigong.access.views import indicators as ind
from yigong.access.views.files import CSV, XLSX, csv_bytes, xlsx_bytes
from yigong.api.errors import ERROR_RESPONSES
from yigong.api.models import (
    CSV_FILE,
    XLSX_FILE,
    CasemixAnswer,
    DataValueSet,
    ExplainAnswer,
    ExportTables,
    GroupedScorecard,
    InstitutionsPage,
    LoggedOut,
    Me,
    QuarantinePage,
    ScorecardAnswer,
    Token,
)
from yigong.interop.dhis2 import datavalues as dhis2

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=10**9)]
Period = Annotated[str, Query(min_length=4, max_length=7, pattern=r"^\d{4}(Q[1-4]|\d{2})?$")]


@router.post(
    "/auth/token",
    tags=["auth"],
    responses={429: {"description": "locked out"}},
    response_model=Token,
)
def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=200)],
    grant_type: Annotated[Literal["password"], Form()],
) -> dict[str, Any]:
    """Exchange a user name and password for a bearer token (OAuth2 password form,
    ``grant_type=password``); too many failures lock the name or the address for a while
    (429 ``too_many_attempts`` with ``Retry-After``)."""
    state = state_of(request)
    token = account.log_in(state, username, password, client_address(request), "api")
    return {
        "access_token": token,
        "token_type": "bearer",
        "expires_in": state.settings.session_absolute_minutes * 60,
        "idle_timeout": state.settings.session_idle_minutes * 60,
    }


class LogoutBody(BaseModel):
    action: Literal["logout"]


@router.post("/auth/logout", tags=["auth"], response_model=LoggedOut)
def logout(p: CurrentUser, body: Annotated[LogoutBody, Body()]) -> dict[str, Any]:
    """End this token's session at once (``{"action": "logout"}``)."""
    account.log_out(p.state, p.session, p.user.username)
    return {"logged_out": True}


@router.get("/me", tags=["auth"], response_model=Me)
async def me(p: CurrentUser) -> dict[str, Any]:
    """Who is logged in, their role, nodes and how many institutions those cover."""
    return account.me(p)


@router.get("/institutions", tags=["hierarchy"], response_model=InstitutionsPage)
def institutions(p: CurrentUser, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """The institutions under the user's nodes (paginated)."""
    return hierarchy.institutions_page(p, limit, offset)


def _json(body: bytes) -> Response:
    return Response(body, media_type="application/json")


@router.get("/nodes/{node}/indicators", tags=["indicators"], response_model=ScorecardAnswer)
async def node_indicators(request: Request, p: CurrentUser, node: str, period: Period) -> Response:
    """Every indicator of a node and period: value, numerator, denominator, target, gap."""
    n, code = await p.node_async(node), p.period(period)
    body, version = await p.state.json_bytes(
        ("indicators", str(n), code), lambda: ind.scorecard(p, n, code)
    )
    p.state.remember_response(
        request.scope["path"], request.scope["query_string"], p.user, body, version
    )
    return _json(body)


@router.get("/nodes/{node}/scorecard", tags=["indicators"], response_model=GroupedScorecard)
async def node_scorecard(
    p: CurrentUser,
    node: str,
    period: Period,
    q: Annotated[str, Query(max_length=100, description="id, code or name contains")] = "",
) -> dict[str, Any]:
    """Every applicable indicator of a node, grouped: policy targets first, then each catalog;
    the indicators not applicable here listed apart with their reason."""
    n = await p.node_async(node)
    return ind.grouped_scorecard(p, n, p.period(period), q)


@router.get(
    "/nodes/{node}/indicators/{indicator}/explain",
    tags=["indicators"],
    response_model=ExplainAnswer,
)
async def explain(
    p: CurrentUser,
    node: str,
    indicator: str,
    period: Period,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> Response:
    """The drill-down: the indicator's result and the first rows behind each measure
    (redacted to the scope; every reading is an audit row)."""
    n = await p.node_async(node)
    ind.check_indicator(indicator)
    code = p.period(period)
    # the rows are redacted to the scope, which the user's nodes decide: part of the key
    key = ("explain", str(n), indicator, code, limit, p.user.nodes)
    body, _ = await p.state.json_bytes(key, lambda: ind.explanation(p, n, indicator, code, limit))

    def audit() -> None:
        rows = ind.explanation_rows(p, n, indicator, code, limit)
        p.audit_read(f"drill-down {indicator}", rows, node=str(n), period=code)

    await run_in_threadpool(audit)
    return _json(body)


@router.get("/casemix", tags=["casemix"], response_model=CasemixAnswer)
def casemix(
    p: CurrentUser,
    node: str,
    period: Period | None = None,
    scheme: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    """Case mix per institution of the node (CMI, DRGs, cost and time indices)."""
    return casemix_view.casemix(p, node, period, scheme)


@router.get(
    "/dataValueSets",
    tags=["indicators"],
    response_model=DataValueSet,
    responses={200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with format=csv"}},
)
def data_value_sets(
    p: CurrentUser,
    node: str,
    period: Period,
    format: Annotated[str, Query(pattern="^(json|csv|adx)$")] = "json",
) -> Any:
    """Indicator values of a node as DHIS2 data values referencing the metadata by code
    (import with ``idScheme=CODE``): value ``C02``, numerator ``C02_N``, denominator ``C02_D``;
    org unit the node's code. JSON (``dataValueSet``), DHIS2's CSV columns, or ADX XML."""

    values = dhis2.data_values(ind.results(p, node, period))
    if format == "csv":
        return Response(dhis2.data_value_set_csv(values), media_type="text/csv; charset=utf-8")
    if format == "adx":
        now = datetime.now(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"
        return Response(dhis2.adx(values, now), media_type="application/adx+xml")
    return dhis2.data_value_set(values)


@router.get("/quarantine", tags=["data quality"], response_model=QuarantinePage)
def quarantine(p: CurrentUser, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """Rows rejected at ingest. Row detail only for users whose scope covers every institution
    of the warehouse (a rejected row can name any institution); others get counts by rule."""
    return quality.quarantine(p, limit, offset)


@router.get("/export/tables", tags=["export"], response_model=ExportTables)
def export_tables(p: CurrentUser) -> dict[str, Any]:
    """The tables `/export/{table}.csv` can export (those with an institution column)."""
    return exports.tables(p)


ExportLimit = Annotated[int, Query(ge=1, le=1_000_000)]


def _file(data: bytes, media: str, name: str) -> Response:
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/export/{table}.csv", tags=["export"], responses=CSV_FILE)
def export_csv(p: CurrentUser, table: str, limit: ExportLimit = 100_000) -> Response:
    """One table as CSV (UTF-8 with BOM, for Excel), only the rows of institutions in scope,
    redacted; every export is an audit row (who, table, scope, rows)."""
    columns, rows = exports.export_rows(p, table, limit, "csv")
    return _file(csv_bytes(columns, rows), CSV, f"{table}.csv")


@router.get("/export/{table}.xlsx", tags=["export"], responses=XLSX_FILE)
def export_xlsx(p: CurrentUser, table: str, limit: ExportLimit = 100_000) -> Response:
    """The same rows as `/export/{table}.csv`, as an Excel workbook (one sheet)."""
    columns, rows = exports.export_rows(p, table, limit, "xlsx")
    return _file(xlsx_bytes(table, columns, rows), XLSX, f"{table}.xlsx")
