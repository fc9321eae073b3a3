"""Drugs and itemised charges under ``/api/v1/drugs`` and ``/api/v1/charges``: volume-based
procurement, drug-use monitoring, one stay's daily charge list (JSON, PDF, XLSX, CSV), the
itemised stays of a node and the price-adjustment simulation — thin calls into
`yigong.access.views.drugs` and `.charges` (scope, audit and redaction there)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from yigong.access.http import CurrentUser
from yigong.access.views import charges as charges_view
from yigong.access.views import drugs as drugs_view
from yigong.access.views.files import CSV, XLSX
from yigong.api.errors import ERROR_RESPONSES
from yigong.api.models import (
    CSV_FILE,
    PDF_FILE,
    XLSX_FILE,
    DailyListAnswer,
    DrugUseAnswer,
    PriceSimulationAnswer,
    ProcurementAnswer,
    StaysAnswer,
)

__all__ = ["router"]

router = APIRouter(responses=ERROR_RESPONSES, tags=["drugs and charges"])
Node = Annotated[str, Query(max_length=80)]
Year = Annotated[int, Query(ge=1990, le=2100)]
Period = Annotated[str, Query(max_length=10)]
Stay = Annotated[str, Query(max_length=64)]
Lang = Annotated[Literal["zh", "en"], Query()]
MEDIA = {"pdf": "application/pdf", "xlsx": XLSX, "csv": CSV}


@router.get("/api/v1/drugs/procurement", response_model=ProcurementAnswer)
def procurement(p: CurrentUser, node: Node, year: Year) -> dict[str, Any]:
    """Volume-based procurement of the node's institutions in contract year `year`: agreed
    volume completion and savings per agreement, the retained insurance fund per institution
    and its staff/development split, platform purchase shares, unified distribution."""
    return drugs_view.procurement(p, node, year)


@router.get("/api/v1/drugs/use", response_model=DrugUseAnswer)
def drug_use(
    p: CurrentUser,
    node: Node,
    period: Period,
    indicator: Annotated[str, Query(pattern="^R0[1-8]$")] = "R03",
) -> dict[str, Any]:
    """Antimicrobial use, DDD intensity, essential medicines, key-monitored drugs and the
    drug share of the node and period; `indicator` broken down per prescriber."""
    return drugs_view.drug_use(p, node, period, indicator)


@router.get("/api/v1/charges/stays", response_model=StaysAnswer)
def stays(p: CurrentUser, node: Node, year: Year) -> dict[str, Any]:
    """The last itemised stays of the node's institutions in the year (to pick a daily list)."""
    return {"node": node, "year": year, "stays": charges_view.stays(p, node, year)}


@router.get("/api/v1/charges/daily-list", response_model=DailyListAnswer)
def daily_list(p: CurrentUser, stay: Stay) -> dict[str, Any]:
    """One stay's daily charge list (一日清单) with the patient-facing total against the front
    page and the settlement."""
    return charges_view.daily_list(p, stay)


@router.get("/api/v1/charges/daily-list.{fmt}", responses={**PDF_FILE, **XLSX_FILE, **CSV_FILE})
def daily_list_file(
    p: CurrentUser, fmt: Literal["pdf", "xlsx", "csv"], stay: Stay, lang: Lang = "zh"
) -> Response:
    """The daily list as a printable PDF or a spreadsheet (XLSX, CSV), in Chinese or English."""
    data = charges_view.daily_list_file(p, stay, fmt, lang)
    name = f"daily-list-{stay}.{fmt}"
    return Response(data, media_type=MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@router.get("/api/v1/charges/price-simulation", response_model=PriceSimulationAnswer)
def price_simulation(p: CurrentUser, node: Node, year: Year, force: bool = False) -> dict[str, Any]:
    """The trigger indicators of a medical-service price adjustment and (when they start one,
    or `force`) the revenue-neutral adjustment with its effects per institution, on the fund
    and on patients' out-of-pocket."""
    return charges_view.price_simulation(p, node, year, force)
