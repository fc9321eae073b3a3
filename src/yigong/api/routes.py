"""The JSON endpoints under ``/api/v1``: thin calls into `yigong.services`, filtered to scope."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from yigong.api.auth import issue_token
from yigong.api.context import AppState, CurrentUser
from yigong.api.dhis2 import data_value_set, data_value_set_csv
from yigong.api.errors import ERROR_RESPONSES, ApiError
from yigong.indicators.periods import parse_period
from yigong.services import casemix_report, exports, hierarchy, quality
from yigong.services import indicators as indicators_svc
from yigong.services.tables import measure_rows

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=10**9)]
Period = Annotated[str, Query(min_length=4, max_length=7, pattern=r"^\d{4}(Q[1-4]|\d{2})?$")]


def _state(request: Request) -> AppState:
    return request.app.state.yigong


def _page(total: int, items: list[dict[str, Any]], limit: int, offset: int) -> dict[str, Any]:
    return {"total": total, "limit": limit, "offset": offset, "items": items}


def _period(text: str) -> str:
    try:
        return parse_period(text).code
    except ValueError as exc:
        raise ApiError(400, "bad_period", str(exc)) from exc


@router.post("/auth/token", tags=["auth"])
def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=200)],
) -> dict[str, Any]:
    """Exchange a user name and password for a bearer token (OAuth2 password form)."""
    state = _state(request)
    user = state.users.authenticate(username, password)
    if user is None:
        raise ApiError(401, "bad_credentials", "unknown user or wrong password")
    token = issue_token(user.username, state.settings.secret, state.settings.token_minutes)
    return {
        "access_token": token,
        "token_type": "bearer",
        "expires_in": state.settings.token_minutes * 60,
    }


@router.get("/me", tags=["auth"])
async def me(p: CurrentUser) -> dict[str, Any]:
    """Who is logged in, their role, nodes and how many institutions those cover."""
    return {
        "username": p.user.username,
        "role": p.user.role.value,
        "nodes": list(p.user.nodes),
        "institutions": len(p.scope.institutions),
    }


@router.get("/institutions", tags=["hierarchy"])
def institutions(p: CurrentUser, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """The institutions under the user's nodes (paginated)."""
    with p.state.tables() as wh:
        total, rows = hierarchy.institutions(wh, p.scope.institutions, limit, offset)
    return _page(total, rows, limit, offset)


def _results(p: CurrentUser, node: str, period: str) -> list[Any]:
    n = p.node(node)
    return p.state.results(str(n), _period(period))


def _json(body: bytes) -> Response:
    return Response(body, media_type="application/json")


@router.get("/nodes/{node}/indicators", tags=["indicators"], response_model=dict[str, Any])
async def node_indicators(request: Request, p: CurrentUser, node: str, period: Period) -> Response:
    """Every indicator of a node and period: value, numerator, denominator, target, gap."""
    n, code = await p.node_async(node), _period(period)

    def build() -> dict[str, Any]:
        items = [r.as_dict() for r in p.state.results(str(n), code)]
        return {"node": str(n), "period": code, "items": items}

    body, version = await p.state.json_bytes(("indicators", str(n), code), build)
    p.state.remember_response(request, p.user.nodes, body, version)
    return _json(body)


@router.get("/nodes/{node}/scorecard", tags=["indicators"], response_model=dict[str, Any])
async def node_scorecard(
    p: CurrentUser,
    node: str,
    period: Period,
    q: Annotated[str, Query(max_length=100, description="id, code or name contains")] = "",
) -> dict[str, Any]:
    """Every applicable indicator of a node, grouped: policy targets first, then each catalog;
    the indicators not applicable here listed apart with their reason."""
    n, code = await p.node_async(node), _period(period)
    grouped = indicators_svc.group_scorecard(p.state.results(str(n), code), q)
    return {
        "node": str(n),
        "period": code,
        "query": grouped["query"],
        "counts": grouped["counts"],
        "groups": [g | {"items": _result_rows(g["items"])} for g in grouped["groups"]],
        "not_applicable": _result_rows(grouped["not_applicable"]),
    }


def _result_rows(items: list[Any]) -> list[dict[str, Any]]:
    return [r.as_dict() | {"formatted": r.formatted()} for r in items]


@router.get(
    "/nodes/{node}/indicators/{indicator}/explain",
    tags=["indicators"],
    response_model=dict[str, Any],
)
async def explain(
    request: Request,
    p: CurrentUser,
    node: str,
    indicator: str,
    period: Period,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> Response:
    """The drill-down: the indicator's result and the first rows behind each measure."""
    n = await p.node_async(node)
    if indicator not in indicators_svc.catalog().indicators:
        raise ApiError(404, "unknown_indicator", f"no indicator {indicator!r}")
    code = _period(period)

    def build() -> dict[str, Any]:
        ex = p.state.explanation(str(n), indicator, code, limit)
        return {"result": ex.result.as_dict(), "measures": measure_rows(ex.rows, p.scope.hidden)}

    # the rows are redacted to the scope, which the user's nodes decide: part of the key
    key = ("explain", str(n), indicator, code, limit, p.user.nodes)
    body, version = await p.state.json_bytes(key, build)
    p.state.remember_response(request, p.user.nodes, body, version)
    return _json(body)


@router.get("/casemix", tags=["casemix"])
def casemix(
    p: CurrentUser,
    node: str,
    period: Period | None = None,
    scheme: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    """Case mix per institution of the node (CMI, DRGs, cost and time indices)."""
    n = p.node(node)
    with p.state.tables() as wh:
        members = hierarchy.members(wh, n) & p.scope.institutions
        rows = casemix_report.casemix_by_institution(
            wh, members, _period(period) if period else None, scheme
        )
    return {"node": str(n), "period": period, "items": rows}


@router.get("/dataValueSets", tags=["indicators"])
def data_value_sets(
    p: CurrentUser,
    node: str,
    period: Period,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Any:
    """Indicator values as a DHIS2 dataValueSet (JSON, or DHIS2's CSV columns)."""
    results = _results(p, node, period)
    if format == "csv":
        return Response(data_value_set_csv(results), media_type="text/csv; charset=utf-8")
    return data_value_set(results)


@router.get("/quarantine", tags=["data quality"])
def quarantine(p: CurrentUser, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """Rows rejected at ingest. Row detail only for users whose scope covers every institution
    of the warehouse (a rejected row can name any institution); others get counts by rule."""
    detailed = p.scope.covers_everything
    with p.state.tables() as wh:
        total, rows = quality.quarantine(wh, detailed, limit, offset)
    return {**_page(total, rows, limit, offset), "detailed": detailed}


@router.get("/export/tables", tags=["export"])
def export_tables(p: CurrentUser) -> dict[str, Any]:
    """The tables `/export/{table}.csv` can export (those with an institution column)."""
    with p.state.tables() as wh:
        return {"items": exports.exportable_tables(wh)}


def _scoped_table(p: CurrentUser, table: str, limit: int) -> tuple[list[str], list[dict[str, Any]]]:
    with p.state.tables() as wh:
        if table not in exports.exportable_tables(wh):
            raise ApiError(
                404,
                "unknown_table",
                f"no exportable table {table!r}",
                {"exportable": exports.exportable_tables(wh)},
            )
        return exports.scoped_rows(wh, table, p.scope.institutions, p.scope.hidden, limit)


ExportLimit = Annotated[int, Query(ge=1, le=1_000_000)]


@router.get("/export/{table}.csv", tags=["export"])
def export_csv(p: CurrentUser, table: str, limit: ExportLimit = 100_000) -> Response:
    """One table as CSV (UTF-8 with BOM, for Excel), only the rows of institutions in scope."""
    columns, rows = _scoped_table(p, table, limit)
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.DictWriter(buf, fieldnames=columns)
    w.writeheader()
    w.writerows(rows)
    return Response(
        buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{table}.csv"'},
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/export/{table}.xlsx", tags=["export"])
def export_xlsx(p: CurrentUser, table: str, limit: ExportLimit = 100_000) -> Response:
    """The same rows as `/export/{table}.csv`, as an Excel workbook (one sheet)."""
    from openpyxl import Workbook

    columns, rows = _scoped_table(p, table, limit)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(table[:31])
    ws.append(columns)
    for row in rows:
        ws.append(
            [
                v if isinstance(v, int | float | str | None) else str(v)
                for v in (row.get(c) for c in columns)
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return Response(
        buf.getvalue(),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{table}.xlsx"'},
    )
