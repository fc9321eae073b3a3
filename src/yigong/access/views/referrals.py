"""The referral inbox (转诊) and a step on a referral, scoped.

**Inbox.** A referral is listed when its requesting or receiving institution is in scope; the
scope, status and page are one store query (`services.referral.referral_inbox`). The other end,
when outside the scope, is the counterpart the user's own record legitimately involves: its id
reads ``(outside scope)`` and its *name* is shown (``requesting_name``, ``receiving_name``).
No patient key.

**A step.** Only an institution acts (the permission file gives ``referrals.act`` to no other
role), and only as one of its own institutions that is a party to the referral (an end or a
reviewer): the body's ``institution`` must be one of them, or is chosen when there is exactly
one. A referral outside the scope — or unknown, so ids cannot be probed — is 403
``outside_scope``; the state machine's refusals keep their codes (409 ``illegal_transition``,
403 ``not_permitted``, 400 ``invalid_request``, 409 ``concurrent_update``) but their messages
are redacted: a hidden party reads by name when it is an end of this referral, else
``(outside scope)``. Every step, done or refused, is an audit row (``referral.<action>``).
"""

from __future__ import annotations

from typing import Any

from yigong.access.errors import AccessError
from yigong.access.principal import Principal
from yigong.graded_care import errors as wf
from yigong.graded_care.referrals.machine import TRANSITIONS, Parties
from yigong.graded_care.referrals.records import Actor, ReferralRecord
from yigong.graded_care.referrals.states import ReferralAction, ReferralStatus
from yigong.services.referral import get_referral, perform, referral_inbox

__all__ = ["ACTIONS", "STATUSES", "act", "detail", "inbox"]

STATUSES = tuple(s.value for s in ReferralStatus)
ACTIONS = tuple(a.value for a in ReferralAction if a is not ReferralAction.REQUEST)
_STATUS = {
    wf.IllegalTransition: 409,
    wf.ConcurrentUpdate: 409,
    wf.NotPermitted: 403,
    wf.InvalidRequest: 400,
    wf.NotFound: 403,
}


def _ends(r: ReferralRecord) -> dict[str, str]:
    return {"requesting": r.requesting_institution, "receiving": r.receiving_institution}


def _row(r: ReferralRecord, p: Principal) -> dict[str, Any]:
    d = {
        k: (v.value if hasattr(v, "value") and not isinstance(v, int) else v)
        for k, v in r.to_dict().items()
        if k not in ("events", "patient_key")
    }
    for end, inst in _ends(r).items():
        d[f"{end}_name"] = p.scope.names.get(inst, "")  # a counterpart, shown by name
    names = {d["requesting_name"], d["receiving_name"]} - {""}
    return p.redact.but(names)(d)  # type: ignore[no-any-return]


def _mine(r: ReferralRecord, p: Principal) -> bool:
    return bool({r.requesting_institution, r.receiving_institution} & p.scope.institutions)


def inbox(p: Principal, status: str | None, page: int, per_page: int = 50) -> dict[str, Any]:
    """The referrals of the user's institutions, newest first, one page."""

    if status is not None and status not in STATUSES:
        raise AccessError(
            400, "bad_request", f"no referral status {status!r}", {"statuses": list(STATUSES)}
        )
    offset = (page - 1) * per_page
    found = referral_inbox(
        p.state.workflow(), p.scope.institutions, status=status, limit=per_page, offset=offset
    )
    return {
        "total": found.total,
        "limit": per_page,
        "offset": offset,
        "page": page,
        "status": status,
        "items": [_row(r, p) for r in found.items],
    }


def _actor_institution(r: ReferralRecord, p: Principal, wanted: str | None) -> str:
    parties = {r.receiving_institution, r.requesting_institution, *r.reviewers}
    mine = sorted(parties & p.scope.institutions)
    if wanted is not None:
        if wanted not in p.scope.institutions:
            raise p.refuse("the acting institution")
        return wanted
    if len(mine) > 1:
        raise AccessError(
            400,
            "bad_request",
            "more than one of your institutions is a party to this referral: say which acts "
            "(institution)",
            {"institutions": mine},
        )
    return mine[0]  # an end is in scope (`_mine`), so one of the user's institutions is a party


def act(
    p: Principal, referral_id: str, action: str, reason: str | None, institution: str | None
) -> dict[str, Any]:
    """Perform one step on a referral in scope, as one of the user's institutions."""

    if action not in ACTIONS:
        raise AccessError(
            404, "unknown_action", f"no referral action {action!r}", {"actions": list(ACTIONS)}
        )
    store = p.state.workflow()
    try:
        record = get_referral(store, referral_id)
    except wf.NotFound:
        raise p.refuse("the referral asked for") from None
    if not _mine(record, p):
        raise p.refuse("the referral asked for")
    who = _actor_institution(record, p, institution)
    detail = {"referral": referral_id, "institution": who, "reason": reason}
    try:
        done = perform(store, referral_id, action, Actor(p.user.username, who), reason=reason)
    except wf.WorkflowError as exc:
        names = {
            i: p.scope.names.get(i, "") for i in _ends(record).values() if p.scope.names.get(i)
        }
        message = p.redact.message(str(exc), names)
        p.audit(f"referral.{action}.refused", {**detail, "code": exc.code, "message": message})
        raise AccessError(
            _STATUS.get(type(exc), 409),
            exc.code,
            message,
            {"referral": referral_id, "status": record.status.value},
        ) from exc
    p.audit(f"referral.{action}", {**detail, "from": record.status.value, "to": done.status.value})
    return _row(done, p)


def detail(p: Principal, referral_id: str) -> dict[str, Any]:
    """One referral of the user's institutions with its audit trail, and the steps the state
    machine allows from its status — each with the party that takes it and whether one of the
    user's institutions is that party (only then, for an institution user, a button)."""

    try:
        record = get_referral(p.state.workflow(), referral_id)
    except wf.NotFound:
        raise p.refuse("the referral asked for") from None
    if not _mine(record, p):
        raise p.refuse("the referral asked for")
    parties = Parties(
        record.requesting_institution,
        record.receiving_institution,
        frozenset(record.reviewers),
        record.direction,
    )
    mine = {r.requesting_institution for r in (record,)} | {record.receiving_institution}
    mine = (mine | set(record.reviewers)) & p.scope.institutions
    may_act = p.can("act", "referrals")
    steps = []
    for t in TRANSITIONS:
        if t.source is not record.status:
            continue
        who = sorted(i for i in mine if t.party in parties.of(i))
        steps.append(
            {
                "action": t.action.value,
                "to": t.target.value,
                "party": t.party.value,
                "needs_reason": t.action.needs_reason,
                "as": who,
                "allowed": may_act and bool(who),
            }
        )
    names = {i: p.scope.names.get(i, "") for i in _ends(record).values() if p.scope.names.get(i)}
    row = _row(record, p)
    events = [
        {
            "seq": e.seq,
            "action": e.action.value,
            "from": e.from_status.value if e.from_status else None,
            "to": e.to_status.value,
            "user": e.user_id,
            "institution": e.institution_id,
            "institution_name": p.scope.names.get(e.institution_id, ""),
            "at": e.at.isoformat(timespec="minutes"),
            "reason": e.reason,
        }
        for e in record.events
    ]
    shown = p.redact.but(set(names.values()))
    return {
        **row,
        "events": shown(events),
        "steps": steps,
        "my_institutions": sorted(mine),
        "my_names": {i: p.scope.names.get(i, "") for i in sorted(mine)},
    }
