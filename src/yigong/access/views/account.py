"""The user's own account: who am I, logging in and out, changing the password.

A login opens a server-side session (`yigong.access.sessions`) after the login defence of
`yigong.access.login`; logging out ends that session everywhere at once; changing the password
ends every session of the user (the next page asks to log in again).
"""

from __future__ import annotations

from typing import Any

from yigong.access.errors import AccessError
from yigong.access.login import LoginRefused, authenticate
from yigong.access.passwords import WeakPassword, verify_password
from yigong.access.principal import Principal
from yigong.access.roles import ROLE_NAMES
from yigong.access.sessions import Session
from yigong.access.state import AccessState
from yigong.access.views.hierarchy import node_names

__all__ = ["account_page", "change_password", "log_in", "log_out", "me"]


def me(p: Principal) -> dict[str, Any]:
    zh, en = ROLE_NAMES[p.user.role]
    return {
        "username": p.user.username,
        "role": p.user.role.value,
        "role_zh": zh,
        "role_en": en,
        "nodes": list(p.user.nodes),
        "institutions": len(p.scope.institutions),
        "session": {
            "expires_at": p.session.expires_at if p.session else None,
            "idle_minutes": p.state.settings.session_idle_minutes,
        },
    }


def account_page(p: Principal) -> dict[str, Any]:
    """`me`, with the names of the user's nodes (the cockpit's account page)."""

    return {**me(p), "node_names": node_names(p, p.user.nodes)}


def log_in(state: AccessState, username: str, password: str, address: str, kind: str) -> str:
    """A new session's token, or 401 ``bad_credentials`` / 429 ``too_many_attempts``."""
    try:
        user = authenticate(state.users, username, password, address, state.settings.login)
    except LoginRefused as exc:
        if exc.code == "too_many_attempts":
            raise AccessError(
                429,
                exc.code,
                str(exc),
                {"retry_after": exc.retry_after},
                {"Retry-After": str(exc.retry_after)},
            ) from None
        raise AccessError(401, exc.code, str(exc)) from None
    return state.sessions.create(user.username, kind, address)


def log_out(state: AccessState, session: Session | None, username: str) -> None:
    if session is not None:
        state.sessions.end(session, "logout")
        state.users.audit(username, "logout", {"kind": session.kind})


def change_password(p: Principal, current: str, new: str, again: str) -> None:
    """The user's own change: the current password must be right; all their sessions end."""
    stored = p.state.users.password_hash(p.user.username)
    if stored is None or not verify_password(current, stored):
        p.audit("user.change_password.refused", {"reason": "wrong current password"})
        raise AccessError(400, "bad_credentials", "the current password is wrong")
    if new != again:
        raise AccessError(400, "bad_request", "the two new passwords differ")
    try:
        p.state.users.set_password(p.user.username, new, p.user.username, own=True)
    except WeakPassword as exc:
        raise AccessError(400, "weak_password", str(exc)) from None
