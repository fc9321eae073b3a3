"""Shared diagnostic centres and family-doctor contracts (`yigong.access.views.care`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from yigong.access.http import CurrentUser
from yigong.access.views import care
from yigong.api.errors import ERROR_RESPONSES
from yigong.api.routes_care import Year

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)
Node = Annotated[
    str | None,
    Query(
        max_length=80,
        description="node for the coverage indicator (default: the user's first node)",
    ),
]


@router.get("/centres", tags=["graded care"])
def centres(p: CurrentUser, year: Year) -> dict[str, Any]:
    """Shared diagnostic centres per centre and month: requests, reported, turnaround p50/p90
    (minutes) and within target, repeats flagged, recognition rate (recognised/decided) and
    avoided-duplicate savings (yuan); only requests touching the user's scope."""
    return care.centres(p, year)


@router.get("/contracts", tags=["graded care"])
def contracts(p: CurrentUser, year: Year, node: Node = None) -> dict[str, Any]:
    """Family-doctor contracts of teams in scope starting in ``year``: by key population,
    status, services delivered, contracts served, fees, the ≥ 70 % team-share check per team,
    and coverage (C09) of the node against its target."""
    return care.contracts(p, year, node)
