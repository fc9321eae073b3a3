"""Read-only JSON of the fund-supervision screening flags (``screen_flags``), scoped like the
other endpoints: a flag is shown when its institution is in the user's scope (a user whose
scope covers every institution also sees flags of providers outside the county). The rows behind
a flag are not listed here (they may name other institutions); `yigong screen explain` shows them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from yigong.api.context import CurrentUser
from yigong.api.errors import ERROR_RESPONSES, ApiError

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)
Period = Annotated[
    str | None,
    Query(
        pattern=r"^(19|20)\d{2}([Qq][1-4]|-(0[1-9]|1[0-2]))?$",
        description="2024 | 2024Q1 | 2024-03",
    ),
]
RuleId = Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Page = Annotated[int, Query(ge=1, le=10**6)]


@router.get("/screening/flags", tags=["screening"])
def screening_flags(
    p: CurrentUser, period: Period = None, rule: RuleId = None, page: Page = 1
) -> dict[str, Any]:
    """Screening flags of the institutions in scope, 50 a page, the most severe rules first and
    within them the furthest past their threshold: rule, period, entity, institution, severity,
    amount at stake, deviation, the numbers that triggered the flag, the rule's parameters and
    the reason (English and Chinese)."""
    from yigong.services.screening import flags_page

    scope = None if p.scope.covers_everything else p.scope.institutions

    def run() -> dict[str, Any]:
        with p.state.tables() as wh:
            return flags_page(wh, scope, period=period, rule_id=rule, page=page)

    try:
        return p.state.memo(("screening", scope, period, rule, page), run)  # type: ignore[no-any-return]
    except ValueError as exc:  # a period the pattern lets through but the calendar refuses
        raise ApiError(400, "bad_period", str(exc)) from exc
