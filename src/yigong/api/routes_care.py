"""JSON endpoints of the global budget (and computing its run) and of the referral inbox and
its steps, under ``/api/v1``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, Field

from yigong.access.http import CurrentUser
from yigong.access.views import referrals, settlement
from yigong.api.errors import ERROR_RESPONSES, ErrorBody
from yigong.api.models import (
    BudgetAnswer,
    ReferralInbox,
    ReferralRow,
    RunAnswer,
)

__all__ = ["County", "Year", "router"]

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)
County = Annotated[str, Query(pattern=r"^\d{6}$", description="6-digit county division code")]
Year = Annotated[int, Query(ge=1990, le=2100)]
Status = Annotated[str | None, Query(pattern="^(" + "|".join(referrals.STATUSES) + ")$")]
Page = Annotated[int, Query(ge=1, le=10**6)]
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "the state machine refuses the step"}
}


@router.get("/settlement/budget", tags=["settlement"], response_model=BudgetAnswer)
def settlement_budget(p: CurrentUser, county: County, year: Year) -> dict[str, Any]:
    """The medical communities' global budget of a county-year from its stored run, one row
    per community in scope (yuan, as strings); ``status`` is ``no_run`` until a run is
    computed (``POST /settlement/runs``), ``refused`` with the engine's reason in ``error``."""
    return settlement.budget(p, county, year)


class RunBody(BaseModel):
    """Compute the global-budget run of a county-year under the server's policy."""

    action: Literal["settlement.run"]
    county: str = Field(pattern=r"^\d{6}$")
    year: int = Field(ge=1990, le=2100)


@router.post("/settlement/runs", tags=["settlement"], response_model=RunAnswer)
def settlement_run(p: CurrentUser, body: Annotated[RunBody, Body()]) -> dict[str, Any]:
    """Compute (or recompute) the run every settlement page reads; needs ``settlement.act``
    (the insurance bureau) and the whole county in scope; audited."""
    return settlement.compute_run(p, body.county, body.year)


@router.get("/referrals", tags=["referrals"], response_model=ReferralInbox)
def referral_inbox(p: CurrentUser, status: Status = None, page: Page = 1) -> dict[str, Any]:
    """Referrals whose requesting or receiving institution is in scope, newest first
    (50 a page); the other end, when outside the scope, reads ``(outside scope)`` with its
    name in ``requesting_name`` / ``receiving_name``."""
    return referrals.inbox(p, status, page)


class ActionBody(BaseModel):
    """The step (repeating the path's), why (required for reject, decline, cancel and no_show)
    and, when several of the user's institutions are parties, which one acts."""

    action: str = Field(max_length=40)
    reason: str | None = Field(default=None, max_length=2000)
    institution: str | None = Field(default=None, max_length=64)


@router.post(
    "/referrals/{referral_id}/actions/{action}",
    tags=["referrals"],
    responses=_CONFLICT,
    response_model=ReferralRow,
)
def referral_action(
    p: CurrentUser, referral_id: str, action: str, body: Annotated[ActionBody, Body()]
) -> dict[str, Any]:
    """Perform one step (approve, reject, accept, decline, arrive, return, follow_up, cancel,
    no_show) on a referral in scope, as one of the user's own institutions (institution
    users only); audited in the store and in the audit log."""
    return referrals.act(p, referral_id, action, body.reason, body.institution)
