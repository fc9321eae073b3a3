"""Shared diagnostic centres and family-doctor contracts (`yigong.access.views.care`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from yigong.access.http import CurrentUser
from yigong.access.views import care, health
from yigong.api.errors import ERROR_RESPONSES
from yigong.api.models import (
    CentresAnswer,
    ContractsAnswer,
    PublicHealthAnswer,
)
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


@router.get("/centres", tags=["graded care"], response_model=CentresAnswer)
def centres(p: CurrentUser, year: Year) -> dict[str, Any]:
    """Shared diagnostic centres per centre and month: requests, reported, turnaround p50/p90
    (minutes) and within target, repeats flagged, recognition rate (recognised/decided) and
    avoided-duplicate savings (yuan); only requests touching the user's scope."""
    return care.centres(p, year)


@router.get("/contracts", tags=["graded care"], response_model=ContractsAnswer)
def contracts(p: CurrentUser, year: Year, node: Node = None) -> dict[str, Any]:
    """Family-doctor contracts of teams in scope starting in ``year``: by key population,
    status, services delivered, contracts served, fees, the ≥ 70 % team-share check per team,
    and coverage (C09) of the node against its target."""
    return care.contracts(p, year, node)


@router.get("/health", tags=["public health"], response_model=PublicHealthAnswer)
def public_health(
    p: CurrentUser,
    year: Year,
    team: Annotated[str | None, Query(max_length=40, description="family-doctor team id")] = None,
    institution: Annotated[
        str | None, Query(max_length=40, description="village clinic or township centre id")
    ] = None,
) -> dict[str, Any]:
    """Basic public health of a family-doctor team or an institution in scope (default: the
    user's own institution, else their first team): hypertension and diabetes rates
    (standardised management, control), the overdue follow-ups (most overdue first), the
    register (pseudonymised residents) and the institution's programme assessment; audited."""
    return health.health(p, year, team, institution)
