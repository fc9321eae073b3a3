"""The referral inbox (转诊) over the workflow store, filtered to the user's scope.

A referral is in scope when its requesting or its receiving institution is one of the
scope's institutions; the other end, when outside, is shown as ``(outside scope)``. An action
is performed by the service (`yigong.services.referral.perform`): its state machine refuses
illegal steps (409 ``illegal_transition``) and parties without the role the step needs (403
``not_permitted``). A referral outside the scope — or unknown, so ids cannot be probed — is
403 ``outside_scope``. The store audits each transition; the API also writes a row to the
user store's ``audit_log`` (``referral.<action>``, accepted or refused).
"""

from __future__ import annotations

from typing import Any

from yigong.api.context import Principal
from yigong.api.errors import ApiError
from yigong.graded_care import errors as wf
from yigong.graded_care.referrals.records import Actor, ReferralRecord
from yigong.graded_care.referrals.states import ReferralAction, ReferralStatus
from yigong.services.tables import redact

__all__ = ["ACTIONS", "STATUSES", "act", "inbox"]

STATUSES = tuple(s.value for s in ReferralStatus)
ACTIONS = tuple(a.value for a in ReferralAction if a is not ReferralAction.REQUEST)
_STATUS = {
    wf.IllegalTransition: 409,
    wf.ConcurrentUpdate: 409,
    wf.NotPermitted: 403,
    wf.InvalidRequest: 400,
    wf.NotFound: 403,
}


def _row(r: ReferralRecord, p: Principal) -> dict[str, Any]:
    d = {
        k: (v.value if hasattr(v, "value") and not isinstance(v, int) else v)
        for k, v in r.to_dict().items()
        if k not in ("events", "patient_key")
    }
    return redact(d, p.scope.hidden)  # type: ignore[no-any-return]


def _mine(r: ReferralRecord, p: Principal) -> bool:
    return bool({r.requesting_institution, r.receiving_institution} & p.scope.institutions)


def inbox(p: Principal, status: str | None, limit: int, offset: int) -> dict[str, Any]:
    """The referrals of the user's institutions, newest first (paginated); the scope, the
    status and the page are applied by the store's query (`services.referral.referral_inbox`)."""
    from yigong.services.referral import referral_inbox

    page = referral_inbox(
        p.state.workflow(), p.scope.institutions, status=status, limit=limit, offset=offset
    )
    return {
        "total": page.total,
        "limit": limit,
        "offset": offset,
        "status": status,
        "items": [_row(r, p) for r in page.items],
    }


def _actor_institution(r: ReferralRecord, p: Principal, wanted: str | None) -> str:
    ends = [
        i
        for i in (r.receiving_institution, r.requesting_institution, *r.reviewers)
        if i in p.scope.institutions
    ]
    if wanted is not None:
        if wanted not in p.scope.institutions:
            raise ApiError(
                403,
                "outside_scope",
                f"the acting institution is outside the nodes assigned to {p.user.username}",
                {"nodes": list(p.user.nodes)},
            )
        return wanted
    if len(set(ends)) > 1:
        raise ApiError(
            400,
            "bad_request",
            "both ends of the referral are in your scope: say "
            "which institution acts (?institution=…)",
            {"institutions": sorted(set(ends))},
        )
    return ends[0]


def act(
    p: Principal, referral_id: str, action: str, reason: str | None, institution: str | None
) -> dict[str, Any]:
    """Perform one action on a referral in scope, as one of the user's institutions."""
    from yigong.services.referral import get_referral, perform

    store = p.state.workflow()
    refused = ApiError(
        403,
        "outside_scope",
        f"no referral {referral_id!r} among those of the nodes assigned to {p.user.username}",
        {"nodes": list(p.user.nodes)},
    )
    try:
        record = get_referral(store, referral_id)
    except wf.NotFound:
        raise refused from None
    if not _mine(record, p):
        raise refused
    who = _actor_institution(record, p, institution)
    detail = {"referral": referral_id, "institution": who, "reason": reason}
    try:
        done = perform(store, referral_id, action, Actor(p.user.username, who), reason=reason)
    except wf.WorkflowError as exc:
        p.state.users.audit(
            p.user.username,
            f"referral.{action}.refused",
            {**detail, "code": exc.code, "message": str(exc)},
        )
        raise ApiError(
            _STATUS.get(type(exc), 409),
            exc.code,
            str(exc),
            {"referral": referral_id, "status": record.status.value},
        ) from exc
    p.state.users.audit(
        p.user.username,
        f"referral.{action}",
        {**detail, "from": record.status.value, "to": done.status.value},
    )
    return _row(done, p)
