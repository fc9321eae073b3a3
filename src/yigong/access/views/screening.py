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
from yigong.access.redact import OUTSIDE_SCOPE
from yigong.access.views.nodes import hierarchy
from yigong.graded_care import errors as wf
from yigong.services import flag_triage
from yigong.services.screening import (
    FLAGS_TABLE,
    explain_flag,
    flags_page,
    review_flag,
    row_institutions,
)
from yigong.services.screening import rules as known

__all__ = ["explain", "flags", "review", "rules", "self_check", "triage"]


def _scope(p: Principal) -> frozenset[str]:
    """The institutions whose flags the user sees: those of the scope. Even a user who covers
    every institution of the warehouse does not see the flags of providers outside it (an
    insured person's settlement at an out-of-county hospital): the flag's page and its review
    refuse them (403 ``outside_scope``), so the list must not offer them."""
    return p.scope.institutions


def flags(p: Principal, period: str | None, rule: str | None, page: int) -> dict[str, Any]:
    """One page (50) of flags in scope, most severe rules first, then furthest past the
    threshold."""

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

    p.require("act", "screening")
    with p.state.tables() as wh:
        t = wh.table(FLAGS_TABLE) if wh.has_table(FLAGS_TABLE) else None
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


def triage(
    p: Principal,
    period: str | None,
    rule: str | None,
    page: int,
    *,
    severity: str | None = None,
    state: str | None = None,
    sort: str = "severity",
    node: str | None = None,
    per_page: int = 50,
) -> dict[str, Any]:
    """The reviewer's list: flags in scope (of ``node`` when given) filtered by rule, severity
    and review state, sorted by severity, amount or deviation, each with its review state and
    the institution's self-check."""

    if rule is not None and rule not in known().rules:
        raise AccessError(
            400, "bad_request", f"no screening rule {rule!r}", {"rules": sorted(known().rules)}
        )
    if severity is not None and severity not in ("high", "medium", "low"):
        raise AccessError(400, "bad_request", f"severity {severity!r}: high, medium or low")
    if state is not None and state not in flag_triage.REVIEW_STATES:
        raise AccessError(400, "bad_request", f"state {state!r}")
    if sort not in flag_triage.SORTS:
        raise AccessError(400, "bad_request", f"sort {sort!r}: {', '.join(flag_triage.SORTS)}")
    scope: frozenset[str] | None = _scope(p)
    if node:
        n = p.node(node)
        h = hierarchy(p)
        if n.kind.value == "institution":
            ids = {n.id}
        elif n.kind.value == "community":
            ids = set(h.members.get(n.id, ()))
        else:
            ids = set(h.located(n.id))
        scope = frozenset(ids & p.scope.institutions)
    store = p.state.workflow()
    decided = (
        {f: s["status"] for f, s in flag_triage.review_states(store).items()} if state else None
    )

    def run() -> dict[str, Any]:
        with p.state.tables() as wh:
            return flag_triage.triage_page(
                wh,
                scope,
                period=period,
                rule_id=rule,
                severity=severity,
                decided=decided,
                state=state,
                sort=sort,
                page=page,
                per_page=per_page,
            )

    try:
        key = ("triage", scope, period, rule, severity, state, sort, page, per_page)
        data = run() if state else p.state.memo(key, run)
    except ValueError as exc:
        raise AccessError(400, "bad_period", str(exc)) from exc
    reviews = flag_triage.review_states(store, [f["flag_id"] for f in data["items"]])
    names = p.scope.names
    items = [
        {
            **f,
            "review": reviews.get(f["flag_id"]),
            "institution_name": names.get(f["institution_id"], "")
            if f["institution_id"] in p.scope.institutions
            else "",
        }
        for f in data["items"]
    ]
    return p.redact({**data, "items": items})  # type: ignore[no-any-return]


def explain(p: Principal, flag_id: str) -> dict[str, Any]:
    """Everything behind one flag of an institution in scope — rule, policy text, parameters,
    numbers, review trail — and the rows behind it: a row of an institution outside the scope
    is shown only as its table and ``(outside scope)``."""

    with p.state.tables() as wh:
        try:
            flag = explain_flag(wh, flag_id, p.state.workflow())
        except wf.NotFound:
            raise p.refuse("the flag asked for") from None
        if str(flag.get("institution_id")) not in p.scope.institutions:
            raise p.refuse("the flag asked for")
        owners = row_institutions(wh, list(flag["rows"]))
    shown, hidden = [], 0
    for key, row in zip(flag["rows"], flag["row_details"], strict=True):
        if owners.get(key, frozenset()) & p.scope.institutions or p.scope.covers_everything:
            shown.append(row)
        else:
            hidden += 1
            shown.append({"row": f"{key.partition(':')[0]}:{OUTSIDE_SCOPE}", "outside": True})
    flag["rows"] = [r["row"] for r in shown]
    flag["row_details"] = shown
    flag["rows_outside_scope"] = hidden
    flag["institution_name"] = p.scope.names.get(str(flag["institution_id"]), "")

    flag["state"] = flag_triage.review_states(p.state.workflow(), [flag_id]).get(flag_id)
    p.audit_read(f"flag {flag_id}", len(shown) - hidden, flag=flag_id)
    return p.redact(flag)  # type: ignore[no-any-return]


def self_check(p: Principal, flag_id: str, decision: str, reason: str | None) -> dict[str, Any]:
    """The flagged institution's self-check (an institution user, a flag of their own
    institution); audited. The insurance bureau still decides."""

    with p.state.tables() as wh:
        t = wh.table(FLAGS_TABLE_NAME) if wh.has_table(FLAGS_TABLE_NAME) else None
        found = (
            t.filter(t.flag_id == flag_id).select("institution_id").to_pyarrow().to_pylist()
            if t is not None
            else []
        )
        if not found or str(found[0]["institution_id"]) not in p.scope.institutions:
            raise p.refuse("the flag asked for")
        try:
            done = flag_triage.self_check(
                p.state.workflow(), wh, flag_id, decision, reason, p.user.username
            )
        except wf.WorkflowError as exc:
            p.audit("screening.self_check.refused", {"flag": flag_id, "code": exc.code})
            status = 409 if isinstance(exc, wf.IllegalTransition) else 400
            raise AccessError(status, exc.code, p.redact.message(str(exc))) from exc
    p.audit("screening.self_check", {"flag": flag_id, "decision": decision, "reason": reason})
    return p.redact(done)  # type: ignore[no-any-return]


FLAGS_TABLE_NAME = "screen_flags"
