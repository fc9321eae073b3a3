"""JSON endpoints of settlement (global budget) and the referral inbox, under ``/api/v1``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, Field

from yigong.api import referrals
from yigong.api.budget import budget_rows
from yigong.api.context import CurrentUser
from yigong.api.errors import ERROR_RESPONSES, ApiError, ErrorBody

__all__ = ["County", "Year", "router"]

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)
County = Annotated[str, Query(pattern=r"^\d{6}$", description="6-digit county division code")]
Year = Annotated[int, Query(ge=1990, le=2100)]
Status = Annotated[str | None, Query(pattern="^(" + "|".join(referrals.STATUSES) + ")$")]
Page = Annotated[int, Query(ge=1, le=10**6)]
PAGE_SIZE = 50
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "the state machine refuses the step"}
}


@router.get("/settlement/budget", tags=["settlement"])
def settlement_budget(p: CurrentUser, county: County, year: Year) -> dict[str, Any]:
    """The medical communities' global budget of a county-year, one row per community in
    scope (yuan, as strings); ``error`` holds the engine's refusal (e.g. missing history)."""
    return budget_rows(p, county, year)


@router.get("/referrals", tags=["referrals"])
def referral_inbox(p: CurrentUser, status: Status = None, page: Page = 1) -> dict[str, Any]:
    """Referrals whose requesting or receiving institution is in scope, newest first
    (50 a page); the other end, when outside the scope, reads ``(outside scope)``."""
    return {**referrals.inbox(p, status, PAGE_SIZE, (page - 1) * PAGE_SIZE), "page": page}


class ActionBody(BaseModel):
    """Why (required for reject, decline, cancel and no_show) and, when both ends are in the
    user's scope, which institution acts."""

    reason: str | None = Field(default=None, max_length=2000)
    institution: str | None = Field(default=None, max_length=64)


@router.post("/referrals/{referral_id}/actions/{action}", tags=["referrals"], responses=_CONFLICT)
def referral_action(
    p: CurrentUser, referral_id: str, action: str, body: Annotated[ActionBody | None, Body()] = None
) -> dict[str, Any]:
    """Perform one step (approve, reject, accept, decline, arrive, return, follow_up, cancel,
    no_show) on a referral in scope; audited in the store and in the API audit log."""
    if action not in referrals.ACTIONS:
        raise ApiError(
            404,
            "unknown_action",
            f"no referral action {action!r}",
            {"actions": list(referrals.ACTIONS)},
        )
    b = body or ActionBody()
    return referrals.act(p, referral_id, action, b.reason, b.institution)
