"""JSON endpoints of the cockpit's working pages: a node's overview and map, the user's to-do
list, a referral with its allowed steps, a flag explained and the institution's self-check,
reform-task progress and a manual entry (`yigong.access.views`).

The overview and the map are ``async`` like the scorecard: with the user, the scope and the
answer cached they answer on the event loop from the cached JSON bytes; otherwise they are
computed once in the threadpool (single-flight), however many clients ask.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from yigong.access.http import CurrentUser
from yigong.access.views import overview as overview_view
from yigong.access.views import referrals, screening, tasks, todo
from yigong.access.views.hierarchy import default_period
from yigong.api.errors import ERROR_RESPONSES
from yigong.api.models import (
    FlagExplained,
    MapAnswer,
    OverviewAnswer,
    ReferralDetail,
    SelfCheckAnswer,
    TaskEntryAnswer,
    TaskProgressAnswer,
    TodoAnswer,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)
Period = Annotated[str, Query(min_length=4, max_length=7, pattern=r"^\d{4}(Q[1-4]|\d{2})?$")]
IndicatorQ = Annotated[
    str | None, Query(max_length=20, pattern=r"^[A-Za-z0-9_.-]+$", description="indicator id")
]
By = Annotated[
    Literal["admin", "community"],
    Query(description="children by the administrative or the community hierarchy"),
]
FlagId = Annotated[str, Path(max_length=80, pattern=r"^[A-Za-z0-9_.:-]+$")]


def _json(body: bytes) -> Response:
    return Response(body, media_type="application/json")


@router.get("/nodes/{node}/overview", tags=["overview"], response_model=OverviewAnswer)
async def node_overview(
    p: CurrentUser, node: str, period: Period, indicator: IndicatorQ = None, by: By = "admin"
) -> Response:
    """The node's overview: KPI tiles of the targets binding it (value, target, 同比/环比,
    traffic light), their trajectories to the deadline, the children ranked and mapped on
    ``indicator`` (default: the first target) and the referral flows."""
    n, code = await p.node_async(node), p.period(period)
    key = ("api-overview", str(n), code, indicator, by, p.user.nodes)
    body, _ = await p.state.json_bytes(
        key, lambda: overview_view.overview(p, str(n), code, indicator, by)
    )
    return _json(body)


@router.get("/nodes/{node}/map", tags=["overview"], response_model=MapAnswer)
async def node_map(
    p: CurrentUser, node: str, period: Period, indicator: IndicatorQ = None, by: By = "admin"
) -> Response:
    """The node's children coloured by ``indicator``: ``mode`` ``geo`` (with the boundary
    file's URL) or ``grid``, each child's value, rank and colour bin, the bin edges."""
    n, code = await p.node_async(node), p.period(period)
    key = ("api-map", str(n), code, indicator, by, p.user.nodes)
    body, _ = await p.state.json_bytes(
        key, lambda: overview_view.overview(p, str(n), code, indicator, by)["map"]
    )
    return _json(body)


@router.get("/todo", tags=["overview"], response_model=TodoAnswer)
def user_todo(p: CurrentUser, period: Period | None = None) -> dict[str, Any]:
    """The user's to-do and early-warning list, most urgent first."""

    return todo.todo(p, p.period(period) if period else default_period(p))


@router.get("/referrals/{referral_id}", tags=["referrals"], response_model=ReferralDetail)
def referral(p: CurrentUser, referral_id: Annotated[str, Path(max_length=64)]) -> dict[str, Any]:
    """One referral of the user's institutions: its ends by name, its trail and the steps the
    state machine allows from its status (with the party each needs)."""
    return referrals.detail(p, referral_id)


@router.get("/screening/flags/{flag_id}", tags=["screening"], response_model=FlagExplained)
def flag(p: CurrentUser, flag_id: FlagId) -> dict[str, Any]:
    """One flag explained: rule, policy text, parameters, numbers, review trail, and the rows
    behind it that lie in the user's scope (others only as ``<table>:(outside scope)``);
    every reading is an audit row."""
    return screening.explain(p, flag_id)


class SelfCheckBody(BaseModel):
    action: Literal["screening.self_check"]
    decision: Literal["confirmed", "dismissed"]
    reason: str = Field(min_length=1, max_length=2000)


@router.post(
    "/screening/flags/{flag_id}/self-check", tags=["screening"], response_model=SelfCheckAnswer
)
def self_check(
    p: CurrentUser, flag_id: FlagId, body: Annotated[SelfCheckBody, Body()]
) -> dict[str, Any]:
    """The flagged institution's self-check (自查): it confirms the flag or asks for it to be
    dismissed, with its reason; the insurance bureau's review still decides. Audited."""
    return screening.self_check(p, flag_id, body.decision, body.reason)


@router.get("/tasks", tags=["reform tasks"], response_model=TaskProgressAnswer)
def task_progress(
    p: CurrentUser,
    node: Annotated[str, Query(max_length=80)],
    year: Annotated[int, Query(ge=2000, le=2100)],
) -> dict[str, Any]:
    """Progress of the reform tasks binding a division or community in scope."""
    return tasks.progress(p, node, year)


class TaskEntryBody(BaseModel):
    action: Literal["tasks.record"]
    node: str = Field(max_length=80)
    year: int = Field(ge=2000, le=2100)
    status: Literal["done", "on_track", "at_risk", "behind"]
    percent: int | None = Field(default=None, ge=0, le=100)
    note: str = Field(default="", max_length=2000)
    evidence: str = Field(default="", max_length=2000)


@router.post("/tasks/{task_id}/entries", tags=["reform tasks"], response_model=TaskEntryAnswer)
def task_entry(
    p: CurrentUser,
    task_id: Annotated[str, Path(max_length=40)],
    body: Annotated[TaskEntryBody, Body()],
) -> dict[str, Any]:
    """A manual progress entry with its evidence (``yigong tasks record``); a ``done`` entry
    needs evidence. Append-only, audited."""
    return tasks.record(
        p, task_id, body.node, body.year, body.status, body.percent, body.note, body.evidence
    )
