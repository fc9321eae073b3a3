"""Logging in and out of the cockpit, the language switch, and the user's own account page.

The login form carries a token derived from a random pre-login cookie (login CSRF: another
site cannot log a browser into an account of its choosing); the access guard checks it and
the Origin. A login opens a server-side session whose token is an HttpOnly, SameSite=Strict
cookie (``__Host-`` and ``Secure`` behind TLS). Logging out is a form too (a link could be
triggered by another site), and ends the session at once.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlparse

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from yigong.access.errors import AccessError
from yigong.access.http import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    client_address,
    cookie_name,
    login_csrf,
    new_login_nonce,
    principal,
    set_cookie,
    state_of,
)
from yigong.access.views import account
from yigong.web.i18n import LANG_COOKIE, LANGUAGES
from yigong.web.render import landing, render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
_LOGIN_MINUTES = 30


def _local(path: str) -> str:
    """A path on this site (``//host`` and ``http://…`` are refused: no open redirect)."""
    return path if path.startswith("/") and not path.startswith(("//", "/\\")) else "/"


@router.get("/login")
def login_form(request: Request, next: str = "/", error: str = "") -> Response:
    state = state_of(request)
    nonce = new_login_nonce()
    data = {
        "next": _local(next),
        "error": error if error in ("1", "locked") else "",
        "csrf": login_csrf(state, nonce),
    }
    out = render(request, "login.html", data)
    set_cookie(out, state, LOGIN_COOKIE, nonce, _LOGIN_MINUTES * 60)
    return out


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    state = state_of(request)
    try:
        token = account.log_in(state, username, password, client_address(request), "cookie")
    except AccessError as exc:
        why = "locked" if exc.code == "too_many_attempts" else "1"
        return RedirectResponse(f"/login?error={why}&next={quote(_local(next))}", status_code=303)
    target = _local(next)
    if target == "/":  # the first page the role may open (an administrator has no scorecard)
        user = state.user(username)
        menu = landing(user.role) if user is not None else []
        target = menu[0][1] if menu else "/account"
    out = RedirectResponse(target, status_code=303)
    set_cookie(out, state, SESSION_COOKIE, token, state.settings.session_absolute_minutes * 60)
    out.delete_cookie(cookie_name(state, LOGIN_COOKIE), path="/")
    return out


@router.post("/logout")
def logout(request: Request) -> Response:
    p = principal(request)
    account.log_out(p.state, p.session, p.user.username)
    out = RedirectResponse("/login", status_code=303)
    out.delete_cookie(cookie_name(p.state, SESSION_COOKIE), path="/")
    return out


@router.get("/lang/{lang}")
def switch_language(request: Request, lang: str) -> Response:
    ref = urlparse(request.headers.get("referer") or "/")  # back to the page, never off-site
    back = _local(ref.path or "/") + (f"?{ref.query}" if ref.query else "")
    out = RedirectResponse(back, status_code=303)
    if lang in LANGUAGES:
        out.set_cookie(LANG_COOKIE, lang, samesite="lax", max_age=365 * 86400)
    return out


@router.get("/account")
def account_page(request: Request, changed: int = 0, format: str = "html") -> Response:
    data = {**account.account_page(principal(request)), "changed": bool(changed)}
    return render(request, "account.html", data, "json" if format == "json" else "html")


@router.post("/account/password")
def change_password(
    request: Request,
    current: Annotated[str, Form(max_length=200)],
    new: Annotated[str, Form(max_length=200)],
    again: Annotated[str, Form(max_length=200)],
) -> Response:
    """The user's own new password; every session of theirs ends, this one too."""
    p = principal(request)
    account.change_password(p, current, new, again)
    out = RedirectResponse("/login?next=/account", status_code=303)
    out.delete_cookie(cookie_name(p.state, SESSION_COOKIE), path="/")
    return out
