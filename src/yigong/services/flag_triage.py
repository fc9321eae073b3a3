"""Triage of fund-supervision flags (疑点分拣): the list a reviewer works through — filtered
by rule, severity, institutions and review state, sorted by severity, amount or deviation —
the review state of each flag, and the institution's own self-check (自查) of a flag.

The flags live in the warehouse (``screen_flags``); reviews and self-checks in the workflow
store (``wf_flag_review`` and its events). A self-check is the flagged institution's answer —
*confirmed* (it agrees, and will correct and refund) or *dismissed* (it asks for the flag to
be set aside, with its explanation) — recorded as an event of the flag's review without
deciding it: the insurance bureau's review (`yigong.services.screening.review_flag`) stays
the decision, and sees the self-check next to the flag.
"""

from __future__ import annotations

import json
from typing import Any

import ibis
from sqlalchemy import func, select

from yigong.graded_care.errors import IllegalTransition, InvalidRequest
from yigong.oversight import parse_period
from yigong.services._workflow import action, need_text, utcnow
from yigong.services.screening import FLAGS_TABLE, _one_flag, open_review
from yigong.store import Store
from yigong.store.reviews import FlagReview, FlagReviewEvent

__all__ = ["REVIEW_STATES", "SORTS", "self_check", "triage_page", "review_states"]

SORTS = ("severity", "amount", "deviation")
#: review states a list can be filtered by (``unreviewed``: no decision yet)
REVIEW_STATES = ("unreviewed", "confirmed", "dismissed")
_SELF = "self."  # event actions self.confirmed, self.dismissed (16 characters at most)


def review_states(store: Store, flag_ids: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """Per flag under review: its status, who decided and why, and the institution's latest
    self-check (decision, reason, by, at) — for ``flag_ids``, or every reviewed flag."""
    with store.transaction() as s:
        q = select(FlagReview)
        if flag_ids is not None:
            if not flag_ids:
                return {}
            q = q.where(FlagReview.flag_id.in_(flag_ids))
        out = {
            r.flag_id: {
                "status": r.status,
                "decided_by": r.decided_by,
                "decided_at": r.decided_at.isoformat(timespec="minutes") if r.decided_at else None,
                "reason": r.reason,
                "self_check": None,
            }
            for r in s.scalars(q)
        }
        if not out:
            return out
        ev = select(FlagReviewEvent).where(
            FlagReviewEvent.flag_id.in_(list(out)), FlagReviewEvent.action.startswith(_SELF)
        )
        for e in s.scalars(ev.order_by(FlagReviewEvent.flag_id, FlagReviewEvent.seq)):
            out[e.flag_id]["self_check"] = {
                "decision": e.action.removeprefix(_SELF),
                "reason": e.reason,
                "by": e.user_id,
                "at": e.at.isoformat(timespec="minutes"),
            }
        return out


def triage_page(
    wh: Any,
    institutions: frozenset[str] | None,
    *,
    period: str | None = None,
    rule_id: str | None = None,
    severity: str | None = None,
    decided: dict[str, str] | None = None,
    state: str | None = None,
    sort: str = "severity",
    page: int = 1,
    per_page: int = 50,
) -> dict[str, Any]:
    """Flags of ``institutions`` (None: all) filtered and sorted, one page, with the number of
    rows behind each; ``decided`` (flag id → status, from `review_states`) filters by
    ``state``. Amount is the flag's value (the money or measure at stake)."""
    if sort not in SORTS:
        raise InvalidRequest(f"sort {sort!r}: one of {', '.join(SORTS)}")
    con = wh.ibis
    if FLAGS_TABLE not in con.list_tables():
        return {"page": page, "per_page": per_page, "total": 0, "items": [], "note": "no_run"}
    t = con.table(FLAGS_TABLE)
    if institutions is not None:
        t = t.filter(t.institution_id.isin(sorted(institutions) or [""]))
    if period:
        t = t.filter(t.period == parse_period(period).label)
    if rule_id:
        t = t.filter(t.rule_id == rule_id)
    if severity:
        t = t.filter(t.severity == severity)
    if state:
        done = sorted(f for f, s in (decided or {}).items() if s in ("confirmed", "dismissed"))
        if state == "unreviewed":
            t = t.filter(~t.flag_id.isin(done)) if done else t
        else:
            chosen = sorted(f for f, s in (decided or {}).items() if s == state)
            t = t.filter(t.flag_id.isin(chosen or [""]))
    total = int(t.count().to_pyarrow().as_py())
    rank = t.severity.cases(("high", 0), ("medium", 1), ("low", 2), else_=3)
    order = {
        "severity": [rank, ibis.desc(t.deviation), t.flag_id],
        "amount": [ibis.desc(t.value), rank, t.flag_id],
        "deviation": [ibis.desc(t.deviation), rank, t.flag_id],
    }[sort]
    rows = (
        t.order_by(order)
        .limit(per_page, offset=(page - 1) * per_page)
        .drop("run_at")
        .to_pyarrow()
        .to_pylist()
    )
    for r in rows:
        r["numbers"], r["params"] = json.loads(r["numbers"]), json.loads(r["params"])
        r["row_count"] = len(json.loads(r.pop("rows") or "[]"))
    return {"page": page, "per_page": per_page, "total": total, "items": rows}


def self_check(
    store: Store, wh: Any, flag_id: str, decision: str, reason: str | None, user: str
) -> dict[str, Any]:
    """The flagged institution's self-check of an undecided flag: ``confirmed`` or
    ``dismissed`` with its reason; appended to the flag's review trail (opened if needed),
    leaving the decision to the reviewers. A decided flag is refused."""
    if decision not in ("confirmed", "dismissed"):
        raise InvalidRequest(f"decision {decision!r}: confirmed or dismissed")
    why = need_text(reason, "reason")
    who = need_text(user, "user")
    flag = _one_flag(wh, flag_id)
    open_review(store, flag, user=who)
    with action(store, f"self-check {flag_id}") as s:
        row = s.get(FlagReview, flag_id)
        assert row is not None
        if row.status != "open":
            raise IllegalTransition(
                f"flag {flag_id} is already {row.status}: a decided flag takes no self-check"
            )
        seq = (
            s.scalar(
                select(func.max(FlagReviewEvent.seq)).where(FlagReviewEvent.flag_id == flag_id)
            )
            or 0
        ) + 1
        now = utcnow()
        s.add(
            FlagReviewEvent(
                flag_id=flag_id,
                seq=seq,
                action=_SELF + decision,
                from_status=row.status,
                to_status=row.status,
                user_id=who,
                at=now,
                reason=why,
            )
        )
        s.flush()
    return {
        "flag_id": flag_id,
        "status": "open",
        "self_check": {"decision": decision, "reason": why, "by": who, "at": now.isoformat()},
    }
