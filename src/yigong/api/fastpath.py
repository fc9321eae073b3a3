"""`CachedReads`: replay a cached scorecard without running the framework.

The scorecard (``GET /api/v1/nodes/{node}/indicators``) files every 200 answer under the
exact request — path and raw query string — the user's role and nodes and the data version
(`AccessState.remember_response`). For a later GET of the same path and query, the app finds
the bearer token's session valid in this process's cache (`Sessions.peek`: not expired, not
idle, not revoked — the user store's revision is checked), the user in the cache with a role
that may read indicators, and sends the filed bytes with the same security headers as any
answer. Everything else — no token, a session or user not cached, an answer never filed, the
drill-down (whose reading is audited), any error — goes to the app unchanged, which then
decides (and refuses) exactly as before.

It runs in front of all middleware (`YigongApp.__call__`): a replayed answer costs a session
look-up in memory, two ``stat`` calls and a few dictionary look-ups.
"""

from __future__ import annotations

import re
from typing import Any

from yigong.access.cache import MISSING
from yigong.access.permissions import permissions
from yigong.access.state import response_key
from yigong.api.headers import security_headers

__all__ = ["CachedReads"]

SCORECARD = re.compile(r"^/api/v1/nodes/[^/]+/indicators$")
_HEADERS = [(b"content-type", b"application/json")]


class CachedReads:
    """Mixin for the FastAPI app class: `__call__` replays a filed answer before any of the
    framework's middleware runs (see the module docstring)."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and SCORECARD.match(scope["path"]):
            try:
                body = _lookup(self, scope)
            except Exception:  # never fail here: the app answers (and reports) instead
                body = None
            if body is not None:
                scope.setdefault("state", {})["route"] = "/api/v1/nodes/{node}/indicators"
                state = self.state.yigong  # type: ignore[attr-defined]
                headers = [
                    *_HEADERS,
                    (b"content-length", str(len(body)).encode()),
                    *security_headers(scope["path"], state.settings.secure_cookies),
                ]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await super().__call__(scope, receive, send)  # type: ignore[misc]


def _lookup(app: Any, scope: dict[str, Any]) -> bytes | None:
    state = app.state.yigong
    token = None
    for name, value in scope["headers"]:
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            token = value[7:].strip().decode("latin-1")
            break
    if not token:
        return None
    session = state.sessions.peek(token)
    if session is None:
        return None
    user = state.peek_user(session.username)
    version = state.peek_version()
    if user is MISSING or user is None or user.disabled or version is None:
        return None
    if not permissions().allowed(user.role, "read", "indicators"):
        return None
    key = response_key(scope["path"], scope["query_string"], user.role.value, user.nodes, version)
    body = state.cache.peek(key)
    if body is MISSING:
        return None
    scope.setdefault("state", {})["user"] = user  # for the request log
    return body  # type: ignore[no-any-return]
