"""Fund-supervision screening flags (``screen_flags``) of the institutions in scope, and a
reviewer's decision on one (`yigong.access.views.screening`). The rows behind a flag are not
listed here (they may lie at other institutions); `yigong screen explain` shows them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query
from pydantic import BaseModel, Field

from yigong.access.http import CurrentUser
from yigong.access.views import screening
from yigong.api.errors import ERROR_RESPONSES
from yigong.api.models import (
    FlagsPage,
    ReviewAnswer,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)
Period = Annotated[
    str | None,
    Query(
        pattern=r"^(19|20)\d{2}([Qq][1-4]|[-M]?(0[1-9]|1[0-2]))?$",
        description="2024 | 2024Q1 | 202403 (2024-03 accepted)",
    ),
]
RuleId = Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Page = Annotated[int, Query(ge=1, le=10**6)]
FlagId = Annotated[str, Path(max_length=80, pattern=r"^[A-Za-z0-9_.:-]+$")]


@router.get("/screening/flags", tags=["screening"], response_model=FlagsPage)
def screening_flags(
    p: CurrentUser, period: Period = None, rule: RuleId = None, page: Page = 1
) -> dict[str, Any]:
    """Screening flags of the institutions in scope, 50 a page, the most severe rules first and
    within them the furthest past their threshold: rule, period, entity, institution, severity,
    amount at stake, deviation, the numbers that triggered the flag, the rule's parameters and
    the reason (English and Chinese)."""
    return screening.flags(p, period, rule, page)


class ReviewBody(BaseModel):
    action: Literal["screening.review"]
    decision: Literal["confirmed", "dismissed"]
    reason: str = Field(min_length=1, max_length=2000)


@router.post("/screening/flags/{flag_id}/review", tags=["screening"], response_model=ReviewAnswer)
def review_flag(
    p: CurrentUser, flag_id: FlagId, body: Annotated[ReviewBody, Body()]
) -> dict[str, Any]:
    """Confirm or dismiss a flag of an institution in scope, with a reason (the insurance
    bureau's reviewers); kept with its trail in the workflow store, and audited."""
    return screening.review(p, flag_id, body.decision, body.reason)
