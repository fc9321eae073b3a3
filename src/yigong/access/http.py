"""The access rules at the HTTP door, the same for the API and the cockpit.

`guard` is a dependency of every route of the app (`FastAPI(dependencies=[…])`, so routes
added later get it too). For the route that matched it looks up the permission file entry
(none: 403 ``no_permission`` — deny by default), then

1. **who**: the session (`yigong.access.sessions`) of the bearer token — the only credential
   the API (``/api/…``) accepts — or, for the cockpit, of the session cookie; none, expired,
   logged out or revoked: 401;
2. **may they**: the role's permission for the route (403 ``not_permitted``);
3. **a write names its action**: the body (JSON or form) must carry the field the entry names
   (``action``, or ``grant_type`` for the OAuth2 token) with the entry's value (400
   ``action_missing``);
4. **a cockpit write comes from the cockpit** (CSRF): its ``Origin`` — or, without one, its
   ``Referer`` — must be this server's host, and its ``csrf`` field the token derived from
   the session (HMAC under the server secret); the login form, which has no session yet,
   carries a token derived from a random pre-login cookie (403 ``csrf_failed``).

Scope (which rows) is decided later by the views, with `Principal`.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
from typing import Annotated, Any
from urllib.parse import urlparse

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from yigong.access.cache import MISSING
from yigong.access.errors import AccessError, not_permitted
from yigong.access.permissions import RoutePermission, permissions
from yigong.access.principal import Principal
from yigong.access.sessions import Session
from yigong.access.state import AccessState
from yigong.access.users import User

__all__ = [
    "CurrentUser",
    "LOGIN_COOKIE",
    "SESSION_COOKIE",
    "client_address",
    "cookie_name",
    "csrf_token",
    "guard",
    "identify",
    "login_csrf",
    "principal",
    "principal_async",
    "set_cookie",
    "state_of",
]

SESSION_COOKIE = "yigong_session"
LOGIN_COOKIE = "yigong_login"
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


def state_of(request: Request) -> AccessState:
    return request.app.state.yigong  # type: ignore[no-any-return]


def cookie_name(state: AccessState, base: str) -> str:
    """``__Host-<base>`` behind TLS (a cookie only this exact host over HTTPS may set)."""
    return f"__Host-{base}" if state.settings.secure_cookies else base


def set_cookie(response: Any, state: AccessState, base: str, value: str, max_age: int) -> None:
    response.set_cookie(
        cookie_name(state, base),
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=state.settings.secure_cookies,
    )


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


def _sign(state: AccessState, purpose: str, value: str) -> str:
    return hmac.new(
        state.settings.secret.encode(), f"{purpose}:{value}".encode(), hashlib.sha256
    ).hexdigest()


def csrf_token(state: AccessState, session: Session) -> str:
    """The CSRF token of a session's forms (derived: nothing stored)."""
    return _sign(state, "csrf", session.token_hash)


def login_csrf(state: AccessState, nonce: str) -> str:
    """The login form's token, derived from the random pre-login cookie."""
    return _sign(state, "login", nonce)


def new_login_nonce() -> str:
    return secrets.token_urlsafe(24)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/fhir/"))  # the FHIR face is API too


def _token(request: Request) -> tuple[str | None, str]:
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None, "bearer"
    if _is_api(request):  # the API takes bearer tokens only: a cookie cannot be forged into it
        return None, ""
    return request.cookies.get(cookie_name(state_of(request), SESSION_COOKIE)), "cookie"


async def _authenticate(request: Request) -> tuple[Session, User]:
    state = state_of(request)
    token, via = _token(request)
    if not token:
        raise AccessError(401, "unauthorized", "log in first (POST /api/v1/auth/token)")
    s = state.sessions.peek(token)
    if s is None:
        s = await run_in_threadpool(state.sessions.check, token)
    if s is None:
        raise AccessError(
            401, "unauthorized", "the session has ended (expired, logged out or revoked): log in"
        )
    user = state.peek_user(s.username)
    if user is MISSING:
        user = await run_in_threadpool(state.user, s.username)
    if user is None or user.disabled:
        raise AccessError(401, "unauthorized", "the session's user no longer exists or is disabled")
    request.state.session, request.state.user, request.state.via = s, user, via
    return s, user


async def _body(request: Request) -> dict[str, Any]:
    ctype = request.headers.get("content-type", "")
    try:
        if ctype.startswith("application/json"):
            data = await request.json()
            return data if isinstance(data, dict) else {}
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            return {k: v for k, v in form.items() if isinstance(v, str)}
    except ValueError:
        return {}
    return {}


def _same_origin(request: Request) -> bool:
    host = request.headers.get("host", "")
    origin = request.headers.get("origin")
    if origin is not None:
        return origin != "null" and urlparse(origin).netloc == host
    referer = request.headers.get("referer")
    return referer is not None and urlparse(referer).netloc == host


async def _check_write(request: Request, rp: RoutePermission) -> None:
    body = await _body(request)
    wanted = rp.named_actions(dict(request.path_params))
    if str(body.get(rp.body_field, "")) not in wanted:
        raise AccessError(
            400,
            "action_missing",
            f"a change must name its action in the body: {rp.body_field} = " + " | ".join(wanted),
            {"field": rp.body_field, "expected": list(wanted)},
        )
    if _is_api(request):
        return  # bearer tokens only: a browser cannot be made to send one
    state = state_of(request)
    if not _same_origin(request):
        raise AccessError(403, "csrf_failed", "the form was not sent from this site (Origin)")
    sent = str(body.get("csrf", ""))
    if rp.public:
        nonce = request.cookies.get(cookie_name(state, LOGIN_COOKIE), "")
        good = login_csrf(state, nonce) if nonce else ""
    else:
        good = csrf_token(state, request.state.session)
    if not good or not hmac.compare_digest(sent, good):
        raise AccessError(
            403, "csrf_failed", "the form's security token is missing or stale: reload the page"
        )


async def guard(request: Request) -> None:
    """Authentication, role, action naming and CSRF for the matched route (module docstring)."""
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    perms = permissions()
    rp = perms.route(request.method, path) if path else None
    if rp is None:
        raise AccessError(
            403, "no_permission", "this route has no entry in the permission table: refused"
        )
    request.state.route_permission = rp
    if not rp.public:
        _, user = await _authenticate(request)
        assert rp.action is not None and rp.resource is not None
        if not perms.allowed(user.role, rp.action, rp.resource):
            raise not_permitted(user.role.value, rp.action, rp.resource)
    elif request.headers.get("authorization") or not _is_api(request):
        with contextlib.suppress(AccessError):  # who is there, if anyone (menu, audit row)
            await _authenticate(request)
    if request.method not in _READS:
        await _check_write(request, rp)


async def identify(request: Request) -> None:
    """Who sent a request no route matched (a 404 page shows the menu to a logged-in user)."""
    if getattr(request.state, "user", None) is None:
        with contextlib.suppress(AccessError):
            await _authenticate(request)


def principal(request: Request) -> Principal:
    """The guarded request's user with their scope (resolved in this thread)."""
    user = getattr(request.state, "user", None)
    if user is None:
        raise AccessError(401, "unauthorized", "log in first")
    state = state_of(request)
    p = Principal(user, state.scope(user), state, request.state.session)
    request.state.principal = p
    return p


async def principal_async(request: Request) -> Principal:
    """`principal` on the event loop when the scope is cached, else in the threadpool."""
    user = getattr(request.state, "user", None)
    if user is None:
        raise AccessError(401, "unauthorized", "log in first")
    state = state_of(request)
    scope = state.peek(("scope", user.nodes))
    if scope is not MISSING:
        p = Principal(user, scope, state, request.state.session)
        request.state.principal = p
        return p
    return await run_in_threadpool(principal, request)


CurrentUser = Annotated[Principal, Depends(principal_async)]
