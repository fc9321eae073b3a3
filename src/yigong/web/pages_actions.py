"""Cockpit pages where users act: the to-do and warning list, a referral with the steps its
state machine allows, the fund-supervision triage (list, one flag explained, the bureau's
review, the institution's self-check) and the reform tasks (progress, a manual entry with its
evidence, the report). Every form carries the session's CSRF token and names its action; the
access guard checks both and the Origin; every change is audited by the view it calls."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from yigong.access.http import principal
from yigong.access.views import referrals as ref
from yigong.access.views import screening as screening_view
from yigong.access.views import tasks as tasks_view
from yigong.access.views import todo as todo_view
from yigong.web.pages import Format, NodeQ, PeriodQ, default_period
from yigong.web.render import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
FlagId = Annotated[str, Path(max_length=80, pattern=r"^[A-Za-z0-9_.:-]+$")]
Page = Annotated[int, Query(ge=1, le=10**6)]


@router.get("/todo")
def todo(request: Request, period: PeriodQ = None, format: Format = "html") -> Response:
    """What waits for the user, most urgent first, each with the page to act on it."""
    p = principal(request)
    data = todo_view.todo(p, default_period(p, period))
    return render(request, "todo.html", data, format)


@router.get("/referrals/{referral_id}")
def referral(
    request: Request,
    referral_id: Annotated[str, Path(max_length=64)],
    done: Annotated[str | None, Query(max_length=40)] = None,
    format: Format = "html",
) -> Response:
    """One referral: its ends by name, its trail, and the steps allowed from its status."""
    p = principal(request)
    data = {**ref.detail(p, referral_id), "done": done if done in ref.STATUSES else None}
    return render(request, "referral.html", data, format)


@router.get("/screening")
def screening(
    request: Request,
    period: Annotated[str | None, Query(pattern=r"^\d{4}(Q[1-4]|\d{2})?$")] = None,
    rule: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{0,60}$")] = None,
    severity: Annotated[str | None, Query(pattern="^(high|medium|low)$")] = None,
    state: Annotated[str | None, Query(pattern="^(unreviewed|confirmed|dismissed)$")] = None,
    sort: Annotated[str, Query(pattern="^(severity|amount|deviation)$")] = "severity",
    node: NodeQ = None,
    page: Page = 1,
    done: Annotated[str | None, Query(max_length=80)] = None,
    format: Format = "html",
) -> Response:
    """Fund-supervision triage: the flags in scope, filtered and sorted, with their review and
    self-check; a download holds every flag of the filter."""
    p = principal(request)
    period = period or default_period(p, None)[:4]
    per_page = 100_000 if format in ("csv", "xlsx") else 50
    data = screening_view.triage(
        p,
        period,
        rule or None,
        page,
        severity=severity or None,
        state=state or None,
        sort=sort,
        node=node or None,
        per_page=per_page,
    )
    data = {
        **data,
        "period": period,
        "rule": rule or None,
        "severity": severity,
        "state": state,
        "sort": sort,
        "filter_node": node or None,
        "rules": screening_view.rules(),
        "can_review": p.can("act", "screening"),
        "can_self_check": p.can("act", "self_check"),
        "done": done,
    }
    return render(request, "screening.html", data, format)


@router.get("/screening/flags/{flag_id}")
def flag(request: Request, flag_id: FlagId, format: Format = "html") -> Response:
    """One flag explained: rule, policy text, parameters, the numbers, the rows behind it that
    lie in the user's scope, its review trail — and the forms the user's role may use."""
    p = principal(request)
    data = {
        **screening_view.explain(p, flag_id),
        "can_review": p.can("act", "screening"),
        "can_self_check": p.can("act", "self_check"),
        "rules": screening_view.rules(),
    }
    return render(request, "flag.html", data, format)


@router.post("/screening/flags/{flag_id}/review")
def review(
    request: Request,
    flag_id: FlagId,
    decision: Annotated[str, Form(pattern="^(confirmed|dismissed)$")],
    reason: Annotated[str, Form(min_length=1, max_length=2000)],
) -> Response:
    """The insurance bureau's decision on a flag, then back to the flag."""
    screening_view.review(principal(request), flag_id, decision, reason)
    return RedirectResponse(f"/screening/flags/{quote(flag_id)}?done=review", status_code=303)


@router.post("/screening/flags/{flag_id}/self-check")
def self_check(
    request: Request,
    flag_id: FlagId,
    decision: Annotated[str, Form(pattern="^(confirmed|dismissed)$")],
    reason: Annotated[str, Form(min_length=1, max_length=2000)],
) -> Response:
    """The flagged institution's self-check, then back to the flag."""
    screening_view.self_check(principal(request), flag_id, decision, reason)
    return RedirectResponse(f"/screening/flags/{quote(flag_id)}?done=self_check", status_code=303)


@router.get("/tasks")
def tasks(
    request: Request,
    node: NodeQ = None,
    period: PeriodQ = None,
    done: Annotated[str | None, Query(max_length=40)] = None,
    format: Format = "html",
) -> Response:
    """Reform-task progress at a division or community in scope, with the entry form."""
    p = principal(request)
    year = int(default_period(p, period)[:4])
    home = node or next((n for n in p.user.nodes if not n.startswith("inst:")), p.home())
    data = {**tasks_view.progress(p, home, year), "done": done}
    return render(request, "tasks.html", data, format)


@router.post("/tasks/record")
def record(
    request: Request,
    task: Annotated[str, Form(max_length=40, pattern=r"^[A-Z][A-Z0-9]*-[0-9A-Za-z.]+$")],
    node: Annotated[str, Form(max_length=80)],
    year: Annotated[int, Form(ge=2000, le=2100)],
    status: Annotated[str, Form(pattern="^(done|on_track|at_risk|behind)$")],
    evidence: Annotated[str, Form(max_length=2000)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    percent: Annotated[str, Form(max_length=3, pattern=r"^\d{0,3}$")] = "",
) -> Response:
    """A manual progress entry with its evidence reference, then back to the tasks."""
    p = principal(request)
    tasks_view.record(
        p, task, node, year, status, int(percent) if percent else None, note, evidence
    )
    return RedirectResponse(
        f"/tasks?node={quote(node)}&period={year}&done={quote(task)}", status_code=303
    )


@router.get("/tasks/report")
def report(
    request: Request,
    node: Annotated[str, Query(max_length=80)],
    year: Annotated[int, Query(ge=2000, le=2100)],
    kind: Annotated[str, Query(pattern="^(pdf|xlsx|md)$")] = "pdf",
) -> Response:
    """The task report (what ``yigong tasks report`` writes) as PDF, Excel or Markdown."""
    body, media, name = tasks_view.report_file(principal(request), node, year, kind)
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
