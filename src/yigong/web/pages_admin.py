"""The user administration page (``/admin/users``): the county administrator adds users and
disables, enables, deletes them, resets their passwords, sets their role or nodes; an auditor
may read it. The rules are those of `yigong.access.views.users`; every form carries the CSRF
token and names its action."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from yigong.access.http import principal
from yigong.access.views import users
from yigong.web.pages import Format
from yigong.web.render import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
Name = Annotated[str, Path(max_length=64)]


@router.get("/admin/users")
def users_page(
    request: Request, done: str = "", user: str = "", format: Format = "html"
) -> Response:
    op = done if done in (*users.OPERATIONS, "user.add") else ""
    data = {**users.users_page(principal(request)), "done": op, "done_user": user[:64]}
    return render(request, "admin_users.html", data, format)


@router.post("/admin/users")
def add_user(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    role: Annotated[str, Form(max_length=40)],
    nodes: Annotated[str, Form(max_length=2000)],
    password: Annotated[str, Form(max_length=200)],
) -> Response:
    row = users.add_user(principal(request), username, role, nodes, password)
    return RedirectResponse(
        f"/admin/users?done=user.add&user={quote(row['username'])}", status_code=303
    )


@router.post("/admin/users/{username}")
def change_user(
    request: Request,
    username: Name,
    action: Annotated[str, Form(max_length=40)],
    role: Annotated[str, Form(max_length=40)] = "",
    nodes: Annotated[str, Form(max_length=2000)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    users.change_user(
        principal(request),
        username,
        action,
        role=role or None,
        nodes=nodes or None,
        password=password or None,
    )
    return RedirectResponse(
        f"/admin/users?done={quote(action)}&user={quote(username)}", status_code=303
    )
