"""Hospital operations under ``/api/v1/operations``: budget execution, department costs after
the step-down, DRG profit and loss, pay checks, and each report as an XLSX workbook — thin
calls into `yigong.access.views.operations` (scope and redaction there)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from yigong.access.http import CurrentUser
from yigong.access.views import operations as view
from yigong.access.views.files import XLSX
from yigong.api.errors import ERROR_RESPONSES
from yigong.api.models import XLSX_FILE, OperationsAnswer

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/operations", responses=ERROR_RESPONSES, tags=["operations"])
Node = Annotated[str, Query(max_length=80)]
Year = Annotated[int, Query(ge=1990, le=2100)]
Month = Annotated[int | None, Query(ge=1, le=12)]
By = Annotated[Literal["group", "department", "doctor", "institution"], Query()]
Report = Literal["budget", "costs", "drg-pnl", "pay-checks"]


@router.get("/budget", response_model=OperationsAnswer)
def budget(p: CurrentUser, node: Node, year: Year, through_month: Month = None) -> dict[str, Any]:
    """Budget lines of the node's institutions: approved, adjusted, executed, execution rate
    against time elapsed, alerts (thresholds of the operations policy), approval trails; for a
    community, the consolidated statement."""
    return view.budget(p, node, year, through_month)


@router.get("/costs", response_model=OperationsAnswer)
def costs(p: CurrentUser, node: Node, year: Year) -> dict[str, Any]:
    """Department costs after the step-down allocation (direct, full, per tier) and the cost
    per bed-day, visit, discharge and examination."""
    return view.costs(p, node, year)


@router.get("/drg-pnl", response_model=OperationsAnswer)
def drg_pnl(
    p: CurrentUser,
    node: Node,
    year: Year,
    by: By = "group",
    institution: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    """DRG profit and loss (case cost against the DRG payment) per group, department, doctor
    or institution; the five worst-losing groups of an institution; reconciliation status."""
    return view.drg_pnl(p, node, year, by, institution)


@router.get("/pay-checks", response_model=OperationsAnswer)
def pay_checks(p: CurrentUser, node: Node, year: Year) -> dict[str, Any]:
    """Township incentive, family-doctor share, GP income parity, fixed-salary share and
    personnel share against the national benchmark, per institution."""
    return view.pay_checks(p, node, year)


@router.get("/{report}.xlsx", responses=XLSX_FILE)
def report_xlsx(p: CurrentUser, report: Report, node: Node, year: Year) -> Response:
    """Every table of a report as an Excel workbook (a sheet each; amounts as exact text)."""
    data = view.report_file(p, report, node, year)
    name = f"{report}-{year}.xlsx"
    return Response(data, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip
