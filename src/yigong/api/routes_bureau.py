"""JSON endpoints of the insurance bureau's desk (`yigong.access.views.bureau`): the county's
fund (coverage, fund running, time-elapsed progress), its designated providers with their
agreements and annual assessment, and what each payment method pays each institution (from
stored runs; computing them is an explicit, audited action)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field

from yigong.access.http import CurrentUser
from yigong.access.views import bureau
from yigong.api.errors import ERROR_RESPONSES
from yigong.api.models import (
    BureauAgreementsAnswer,
    BureauFundAnswer,
    BureauMethodsAnswer,
    BureauMethodsRun,
)
from yigong.api.routes_care import County, Year

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)


@router.get("/bureau/fund", tags=["bureau"], response_model=BureauFundAnswer)
def bureau_fund(p: CurrentUser, county: County, year: Year) -> dict[str, Any]:
    """The county's fund: coverage (参保率) of the year against its target, the fund of every
    scheme and year (income, expenditure, current and accumulated balance, months of payment
    and its band) and spending to the last month against the annual quota beside time elapsed
    (序时进度). The whole county must be in scope."""
    return bureau.fund(p, county, year)


@router.get("/bureau/agreements", tags=["bureau"], response_model=BureauAgreementsAnswer)
def bureau_agreements(p: CurrentUser, county: County, year: Year) -> dict[str, Any]:
    """Designated providers in scope (定点医药机构) with their agreement of the year, its annual
    assessment (item points, score, rank, deposit returned and kept, elimination) and their
    claims paid late or overdue."""
    return bureau.agreements(p, county, year)


@router.get("/bureau/methods", tags=["bureau"], response_model=BureauMethodsAnswer)
def bureau_methods(p: CurrentUser, county: County, year: Year) -> dict[str, Any]:
    """What DRG, DIP, per bed-day, per head and day surgery pay each institution in scope, from
    the stored runs; ``status`` per method is ``no_run`` until computed (``POST
    /bureau/methods/runs``) or ``refused`` with the engine's reason."""
    return bureau.methods(p, county, year)


class MethodsRunBody(BaseModel):
    """Compute every payment method's run of a county-year under the server's policy."""

    action: Literal["settlement.methods.run"]
    county: str = Field(pattern=r"^\d{6}$")
    year: int = Field(ge=1990, le=2100)


@router.post("/bureau/methods/runs", tags=["bureau"], response_model=BureauMethodsRun)
def bureau_methods_run(p: CurrentUser, body: Annotated[MethodsRunBody, Body()]) -> dict[str, Any]:
    """Compute (or recompute) the DRG, DIP, per bed-day, per-head and day-surgery runs; needs
    ``settlement.act`` (the insurance bureau) and the whole county in scope; audited."""
    return bureau.compute_methods(p, body.county, body.year)
