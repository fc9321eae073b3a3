"""Fund-supervision screening flags (``screen_flags``) of the institutions in scope, and a
reviewer's decision on one.

A flag is listed when its institution is in scope (a user whose scope covers every institution
also sees flags of providers outside the county), without the rows behind it; every value is
redacted to the scope. Deciding a flag (``screening.act``: the insurance bureau) needs the
flag's institution in scope; the decision is kept in the workflow store with its audit trail
(`yigong.services.screening.review_flag`) and is an audit row here too.
"""

from __future__ import annotations

from typing import Any

from yigong.access.errors import AccessError
from yigong.access.principal import Principal
from yigong.graded_care import errors as wf

__all__ = ["flags", "review", "rules"]


def _scope(p: Principal) -> frozenset[str] | None:
    return None if p.scope.covers_everything else p.scope.institutions


def flags(p: Principal, period: str | None, rule: str | None, page: int) -> dict[str, Any]:
    """One page (50) of flags in scope, most severe rules first, then furthest past the
    threshold."""
    from yigong.services.screening import flags_page
    from yigong.services.screening import rules as known

    if rule is not None and rule not in known().rules:
        raise AccessError(
            400, "bad_request", f"no screening rule {rule!r}", {"rules": sorted(known().rules)}
        )
    scope = _scope(p)

    def run() -> dict[str, Any]:
        with p.state.tables() as wh:
            return flags_page(wh, scope, period=period, rule_id=rule, page=page)

    try:
        data = p.state.memo(("screening", scope, period, rule, page), run)
    except ValueError as exc:  # a period the pattern lets through but the calendar refuses
        raise AccessError(400, "bad_period", str(exc)) from exc
    return p.redact(data)  # type: ignore[no-any-return]


def rules() -> list[dict[str, Any]]:
    """Every screening rule with its names, severity and the policy text it serves."""
    from yigong.services.screening import rules as known

    return [
        {
            "id": r.id,
            "name_zh": r.name_zh,
            "name_en": r.name_en,
            "severity": str(getattr(r.severity, "value", r.severity)),
            "policy": r.policy.model_dump(mode="json"),
        }
        for r in known().rules.values()
    ]


def review(p: Principal, flag_id: str, decision: str, reason: str | None) -> dict[str, Any]:
    """Confirm or dismiss a flag of an institution in scope (403 otherwise, or unknown)."""
    from yigong.services.screening import FLAGS_TABLE, review_flag

    p.require("act", "screening")
    with p.state.tables() as wh:
        t = wh.table(FLAGS_TABLE) if FLAGS_TABLE in wh.ibis.list_tables() else None
        found = (
            t.filter(t.flag_id == flag_id).select("institution_id").to_pyarrow().to_pylist()
            if t is not None
            else []
        )
    if not found or str(found[0]["institution_id"]) not in p.scope.institutions:
        raise p.refuse("the flag asked for")
    try:
        with p.state.tables() as wh:
            done = review_flag(
                p.state.workflow(), flag_id, decision, reason, p.user.username, db=wh
            )
    except wf.WorkflowError as exc:
        p.audit("screening.review.refused", {"flag": flag_id, "code": exc.code})
        status = 409 if isinstance(exc, wf.IllegalTransition | wf.ConcurrentUpdate) else 400
        raise AccessError(status, exc.code, p.redact.message(str(exc))) from exc
    p.audit("screening.review", {"flag": flag_id, "decision": decision})
    return p.redact(done)  # type: ignore[no-any-return]
